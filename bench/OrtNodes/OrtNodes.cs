#:package Microsoft.ML.OnnxRuntime
#:property Nullable=enable
// ONNX Runtime's time per graph node for one model, as its profiler records it (ORT_ENABLE_ALL, the bench's settings):
// the median over the timed runs of each node, largest first, then the total per op type. Beside
// `strata bench MODEL --profile` (Strata's time per kernel) it says which nodes a gap to ORT comes from: ORT names a
// fused Conv by its output value (with _nchwc where it runs in the blocked layout), and `strata compile MODEL
// --dump-ir DIR` lists each Strata kernel's outputs in DIR/program.txt.
// dotnet run -c Release bench/OrtNodes/OrtNodes.cs -- MODEL [RUNS] [THREADS]
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

int runs = 30, threads = 1;
if (args.Length < 1 || !File.Exists(args[0]) || (args.Length > 1 && !int.TryParse(args[1], out runs)) || runs < 1
    || (args.Length > 2 && !int.TryParse(args[2], out threads)) || threads < 1)
{
    Console.Error.WriteLine("usage: OrtNodes.cs MODEL [RUNS (default 30)] [THREADS (default 1)]: an existing ONNX file, positive counts");
    return 2;
}
string model = args[0];
var prefix = Path.Combine(Path.GetTempPath(), $"ortnodes-{Environment.ProcessId}");
var options = new SessionOptions
{
    IntraOpNumThreads = threads,
    InterOpNumThreads = 1,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    EnableProfiling = true,
    ProfileOutputPathPrefix = prefix,
};
options.AddSessionConfigEntry("session.force_spinning_stop", "1");
using var session = new InferenceSession(model, options);
var random = new Random(1);
var inputs = new List<NamedOnnxValue>();
foreach (var (name, meta) in session.InputMetadata)
{
    // Symbolic dims run at 1; values uniform in [-1, 1] (timing only: no output is checked).
    var tensor = new DenseTensor<float>(meta.Dimensions.Select(d => d < 0 ? 1 : d).ToArray());
    for (int i = 0; i < tensor.Length; i++) tensor.SetValue(i, (float)(random.NextDouble() * 2 - 1));
    inputs.Add(NamedOnnxValue.CreateFromTensor(name, tensor));
}
// Two untimed runs first: the first run's node times include one-time work.
for (int i = 0; i < runs + 2; i++) session.Run(inputs).Dispose();
var file = session.EndProfiling();
var times = new Dictionary<string, List<double>>();
var describe = new Dictionary<string, string>();
foreach (var e in JsonDocument.Parse(File.ReadAllText(file)).RootElement.EnumerateArray())
{
    if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("name").GetString() is not { } name || !name.EndsWith("_kernel_time")) continue;
    var node = name[..^"_kernel_time".Length];
    if (!times.TryGetValue(node, out var list))
    {
        times[node] = list = [];
        var a = e.GetProperty("args");
        describe[node] = $"{a.GetProperty("op_name").GetString()} {(a.TryGetProperty("output_type_shape", out var shape) ? shape.ToString() : "")}";
    }
    list.Add(e.GetProperty("dur").GetDouble() / 1000);
}
File.Delete(file);
var rows = times.Select(kv => (Node: kv.Key, Ms: Median(kv.Value.Skip(2).ToList()), Op: describe[kv.Key].Split(' ')[0])).OrderByDescending(r => r.Ms).ToList();
Console.WriteLine($"ONNX Runtime, {Path.GetFileName(model)}, {threads} thread(s), {runs} runs: {rows.Sum(r => r.Ms):F3} ms in {rows.Count} nodes (medians)");
foreach (var r in rows) Console.WriteLine($"{r.Ms,9:F3} ms  {r.Node,-40} {describe[r.Node]}");
Console.WriteLine("per op type:");
foreach (var g in rows.GroupBy(r => r.Op).OrderByDescending(g => g.Sum(r => r.Ms)))
    Console.WriteLine($"{g.Sum(r => r.Ms),9:F3} ms  {g.Key} ({g.Count()} nodes)");
return 0;

static double Median(List<double> values)
{
    if (values.Count == 0) return 0;
    values.Sort();
    return values[values.Count / 2];
}
