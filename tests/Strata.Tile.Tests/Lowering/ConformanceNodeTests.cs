using System.Runtime.CompilerServices;
using System.Text;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;
using Strata.Tile.Text;
using Strata.Tile.Verification;
using Xunit.Abstractions;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Every ONNX node test whose model is a single node of an op with a Tile lowering: the node is lowered
/// on its own, the kernel runs on the test's inputs, and its outputs are compared with the test's expected
/// outputs. Shape-like operands (Reshape's shape, Slice's starts, Pad's pads, Resize's scales…) are bound as
/// compile-time constants, as a compiler specialising on them would; data operands stay kernel inputs. Prints
/// per-op counts (tests, lowered, fallback, passed) and fails on any lowered test that does not pass, unless it is
/// listed with a reason in lowering-expected-failures.tsv.</summary>
public sealed class ConformanceNodeTests(ITestOutputHelper output)
{
    /// <summary>Per op, the inputs treated as compile-time constants.</summary>
    private static readonly Dictionary<string, int[]> ShapeOperands = new()
    {
        ["Reshape"] = [1], ["Expand"] = [1], ["Tile"] = [1], ["Slice"] = [1, 2, 3, 4], ["Squeeze"] = [1], ["Unsqueeze"] = [1],
        ["Split"] = [1], ["Pad"] = [1, 3], ["Resize"] = [1, 2, 3], ["Upsample"] = [1], ["Dropout"] = [1, 2],
        ["ConstantOfShape"] = [0], ["Range"] = [0, 1, 2], ["CenterCropPad"] = [1], ["OneHot"] = [1],
    };

    private static string NodeDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../../shared/conformance/onnx/node"));

    private static string ExpectedFailuresFile([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "lowering-expected-failures.tsv");

    public sealed record Row(string Test, string Op, NodeOutcome Outcome, bool ReferencePasses);

    [Fact]
    public void SingleNodeConformanceModelsLowerAndMatch()
    {
        var dir = NodeDirectory();
        if (!Directory.Exists(dir)) { output.WriteLine($"no conformance folder at {dir}"); return; }
        var rows = new List<Row>();
        foreach (var test in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
            if (Run(test) is { } row) rows.Add(row);

        var expected = File.Exists(ExpectedFailuresFile())
            ? File.ReadAllLines(ExpectedFailuresFile()).Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "")
            : [];
        output.WriteLine(Report(rows));
        var unproven = rows.Where(r => r.Outcome.Kernel is not null)
            .Select(r => (r.Test, Warnings: TileVerifier.Diagnose(r.Outcome.Kernel!, strictBounds: true).Where(d => !d.IsError).ToList()))
            .Where(p => p.Warnings.Count > 0).ToList();
        output.WriteLine($"{unproven.Count} kernels have loads the verifier cannot prove in range:");
        foreach (var (test, warnings) in unproven) output.WriteLine($"  {test}: {warnings[0]}");
        if (Environment.GetEnvironmentVariable("STRATA_DUMP_LOWERED") is { Length: > 0 } dump)
            File.WriteAllText(dump, string.Join("\n", rows.Where(r => r.Outcome.Kernel is not null)
                .Select(r => $"# {r.Test}\n{TilePrinter.Print(r.Outcome.Kernel!)}")));
        var unexpected = rows.Where(r => r.Outcome.Lowered && !r.Outcome.Passed && !expected.ContainsKey(r.Test)).ToList();
        var stale = expected.Keys.Where(k => rows.Any(r => r.Test == k && r.Outcome.Passed)).ToList();
        Assert.True(unexpected.Count == 0 && stale.Count == 0,
            string.Join("\n", unexpected.Select(r => $"{r.Test} ({r.Op}): {r.Outcome.Failure}").Concat(stale.Select(s => $"{s} passes now: remove it from the expected failures"))));
    }

    /// <summary>Nodes of lowered ops inside multi-node models (mostly the expanded function tests): each is lowered on
    /// its own, on the reference's values of its inputs, with the inputs that only depend on constants bound as
    /// compile-time constants (what constant folding gives the compiler), and compared with the reference's outputs.</summary>
    [Fact]
    public void NodesInsideMultiNodeModelsLowerAndMatch()
    {
        var dir = NodeDirectory();
        if (!Directory.Exists(dir)) { output.WriteLine($"no conformance folder at {dir}"); return; }
        var rows = new List<Row>();
        foreach (var test in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
            rows.AddRange(Sweep(test));
        output.WriteLine(Report(rows));
        var failed = rows.Where(r => r.Outcome.Lowered && !r.Outcome.Passed).ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed.Select(r => $"{r.Test} ({r.Op}): {r.Outcome.Failure}")));
    }

    private static IEnumerable<Row> Sweep(string testDir)
    {
        string model = Path.Combine(testDir, "model.onnx"), data = Path.Combine(testDir, "test_data_set_0");
        if (!File.Exists(model) || !Directory.Exists(data)) yield break;
        OnnxModel m;
        try { m = OnnxImporter.LoadModel(model, new OnnxImportOptions { InferTypes = false }); }
        catch (StrataException) { yield break; }
        var g = m.Graph;
        if (g.Nodes.Count < 2 || !g.Nodes.Any(n => TileRegistry.Default.FindLowering(n) is not null)) yield break;
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; File.Exists(Path.Combine(data, $"input_{i}.pb")) && i < m.DeclaredInputs.Count; i++)
            inputs[m.DeclaredInputs[i].Name] = OnnxData.ReadValue(Path.Combine(data, $"input_{i}.pb"), m.DeclaredInputs[i].Type);

        // The reference's value of every top-level value, and which values depend on constants only.
        var values = new Dictionary<Value, RuntimeValue?>();
        foreach (var v in g.Inputs) values[v] = inputs.GetValueOrDefault(v.Name);
        foreach (var c in g.Constants) values[c] = c.Constant;
        var top = new HashSet<Node>(g.Nodes);
        var interpreter = new GraphInterpreter(NodeHarness.Ops)
        {
            OnNodeEvaluated = (n, outs) =>
            {
                if (!top.Contains(n)) return;
                for (int i = 0; i < n.Outputs.Length; i++) if (n.Outputs[i] is { } o) values[o] = i < outs.Count ? outs[i] : null;
            },
        };
        try { new TypeInference(NodeHarness.Ops).Run(g); interpreter.Run(g, inputs); }
        catch (Exception e) when (e is StrataException or InvalidOperationException or ArgumentException) { yield break; }
        var known = new HashSet<Value>(g.Constants);
        foreach (var n in g.Nodes)
            if (n.OpType is not ("RandomNormal" or "RandomUniform" or "RandomNormalLike" or "RandomUniformLike" or "Bernoulli" or "Dropout" or "Multinomial")
                && (n.OpType is "Shape" or "Size" && n.Domain == "" // the shapes are static
                    || n.Inputs.All(v => v is null || known.Contains(v)) && n.Attributes.Values.All(a => a.Kind is not (AttributeKind.Graph or AttributeKind.Graphs))))
                foreach (var o in n.Outputs) if (o is not null) known.Add(o);

        string name = Path.GetFileName(testDir);
        foreach (var n in g.Nodes)
        {
            if (TileRegistry.Default.FindLowering(n) is null) continue;
            if (n.Inputs.Any(v => v is not null && values.GetValueOrDefault(v) is not Tensor)) continue;
            // A one-node graph over the same values.
            var one = new Graph.Graph(name) { OpsetImports = new(g.OpsetImports) };
            var feeds = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
            var ins = n.Inputs.Select((v, i) =>
            {
                if (v is null) return null;
                var t = (Tensor)values[v]!;
                if (known.Contains(v)) return one.AddConstant("c" + i, t);
                var x = new Value("x" + i, t.Type);
                one.Inputs.Add(x);
                feeds[x.Name] = t;
                return x;
            }).ToArray();
            var outs = n.Outputs.Select((o, i) => o is null ? null : new Value("y" + i)).ToArray();
            var node = new Node(n.OpType, ins, outs, n.Attributes.Values, n.Domain);
            one.Nodes.Add(node);
            one.Outputs.AddRange(outs.OfType<Value>());
            var expected = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
            for (int i = 0; i < outs.Length; i++)
                if (outs[i] is { } o && values.GetValueOrDefault(n.Outputs[i]!) is { } r) expected[o.Name] = r;
            NodeOutcome outcome;
            try { outcome = NodeHarness.Check(one, node, feeds, expected, Tolerance(testDir)); }
            catch (Exception e) when (e is StrataException or InvalidOperationException or ArgumentException)
            {
                outcome = new NodeOutcome(true, $"{e.GetType().Name}: {e.Message}", null);
            }
            yield return new Row(name, n.OpType, outcome, true);
        }
    }

    /// <summary>A per-op table and the fallback reasons, for the test log.</summary>
    public static string Report(IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{"op",-22} {"tests",5} {"lowered",7} {"fallback",8} {"passed",6} {"failed",6}");
        foreach (var g in rows.GroupBy(r => r.Op).OrderBy(g => g.Key, StringComparer.Ordinal))
            sb.AppendLine($"{g.Key,-22} {g.Count(),5} {g.Count(r => r.Outcome.Lowered),7} {g.Count(r => !r.Outcome.Lowered),8} " +
                          $"{g.Count(r => r.Outcome.Passed),6} {g.Count(r => r.Outcome.Lowered && !r.Outcome.Passed),6}");
        sb.AppendLine($"{"total",-22} {rows.Count,5} {rows.Count(r => r.Outcome.Lowered),7} {rows.Count(r => !r.Outcome.Lowered),8} " +
                      $"{rows.Count(r => r.Outcome.Passed),6} {rows.Count(r => r.Outcome.Lowered && !r.Outcome.Passed),6}");
        foreach (var r in rows.Where(r => !r.Outcome.Passed))
            sb.AppendLine($"  {(r.Outcome.Lowered ? "FAIL" : "fallback")} {r.Test} ({r.Op}): {r.Outcome.Failure}{(r.ReferencePasses ? "" : " (the reference fails too)")}");
        return sb.ToString();
    }

    private static Row? Run(string testDir)
    {
        string model = Path.Combine(testDir, "model.onnx"), data = Path.Combine(testDir, "test_data_set_0");
        if (!File.Exists(model) || !Directory.Exists(data)) return null;
        OnnxModel m;
        try { m = OnnxImporter.LoadModel(model, new OnnxImportOptions { InferTypes = false }); }
        catch (StrataException) { return null; }
        var g = m.Graph;
        if (g.Nodes.Count != 1) return null;
        var node = g.Nodes[0];
        if (node.Attributes.Values.Any(a => a.Kind is AttributeKind.Graph or AttributeKind.Graphs)) return null;
        if (TileRegistry.Default.FindLowering(node) is null) return null;
        if (m.DeclaredInputs.Concat(m.DeclaredOutputs).Any(v => v.IsUnrepresentable)) return null;
        string name = Path.GetFileName(testDir);

        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        var expected = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; File.Exists(Path.Combine(data, $"input_{i}.pb")) && i < m.DeclaredInputs.Count; i++)
            inputs[m.DeclaredInputs[i].Name] = OnnxData.ReadValue(Path.Combine(data, $"input_{i}.pb"), m.DeclaredInputs[i].Type);
        for (int i = 0; File.Exists(Path.Combine(data, $"output_{i}.pb")) && i < m.DeclaredOutputs.Count; i++)
            expected[m.DeclaredOutputs[i].Name] = OnnxData.ReadValue(Path.Combine(data, $"output_{i}.pb"), m.DeclaredOutputs[i].Type);
        var comparer = Tolerance(testDir);
        bool referencePasses = ReferencePasses(model, inputs, expected, comparer);

        foreach (int i in ShapeOperands.GetValueOrDefault(node.OpType, []))
        {
            if (i >= node.Inputs.Length || node.Inputs[i] is not { } v || !g.Inputs.Contains(v) || inputs[v.Name] is not Tensor t) continue;
            g.Inputs.Remove(v);
            v.Constant = t;
            g.Constants.Add(v);
            inputs.Remove(v.Name);
        }
        NodeOutcome outcome;
        try { outcome = NodeHarness.Check(g, node, inputs, expected, comparer); }
        catch (Exception e) when (e is StrataException or InvalidOperationException or ArgumentException)
        {
            outcome = new NodeOutcome(true, $"{e.GetType().Name}: {e.Message}", null);
        }
        return new Row(name, node.OpType, outcome, referencePasses);
    }

    private static bool ReferencePasses(string model, Dictionary<string, RuntimeValue> inputs, Dictionary<string, RuntimeValue> expected, ValueComparer comparer)
    {
        try
        {
            var g = OnnxImporter.LoadModel(model, new OnnxImportOptions { InferTypes = false }).Graph;
            new TypeInference(NodeHarness.Ops).Run(g);
            var outs = new GraphInterpreter(NodeHarness.Ops).Run(g, inputs);
            return expected.All(kv => comparer.Compare(outs.GetValueOrDefault(kv.Key), kv.Value) is null);
        }
        catch (Exception e) when (e is StrataException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static ValueComparer Tolerance(string testDir)
    {
        var c = ValueComparer.Default;
        string file = Path.Combine(testDir, "data.json");
        if (!File.Exists(file)) return c;
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        if (json.RootElement.TryGetProperty("rtol", out var r) && r.TryGetDouble(out var rtol)) c = c with { RelativeTolerance = rtol };
        if (json.RootElement.TryGetProperty("atol", out var a) && a.TryGetDouble(out var atol)) c = c with { AbsoluteTolerance = atol };
        return c;
    }
}
