using System.Text;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Tile.Text;
using Strata.Tile.Verification;
using Xunit.Abstractions;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Every ONNX node test whose graph is a single node of a compute op: the node is lowered to a Tile kernel
/// and run by the Tile interpreter against the expected outputs (the conformance runner's comparer and tolerances);
/// nodes the lowering declines run through the reference interpreter and count as fallback. Prints a per-op table
/// (tests, lowered, lowered and passing, fallback) and fails if any lowered test fails.</summary>
public class ComputeConformanceTests(ITestOutputHelper output)
{
    public static readonly string[] Ops =
    [
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
        "ReduceSumSquare", "ArgMax", "ArgMin", "Softmax", "LogSoftmax", "Hardmax", "LayerNormalization", "RMSNormalization",
        "GroupNormalization", "InstanceNormalization", "MeanVarianceNormalization", "LpNormalization", "LRN", "MatMul", "Gemm", "Einsum",
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "Attention",
        "RotaryEmbedding", "SwiGLU", "MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv",
    ];

    /// <summary>The conformance folder: $STRATA_CONFORMANCE, or shared/conformance/onnx/node above the test binaries.</summary>
    public static string? NodeDirectory()
    {
        if (Environment.GetEnvironmentVariable("STRATA_CONFORMANCE") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "conformance", "onnx", "node"), Path.Combine(dir.FullName, "conformance", "onnx", "node") })
                if (Directory.Exists(candidate)) return candidate;
        return null;
    }

    /// <summary>Runs a single-node graph at the Tile level when its node lowers; else through the reference interpreter.</summary>
    /// <summary>Runs a single-node graph at the Tile level when its node lowers, else through the reference
    /// interpreter. Integer graph inputs (axes, position ids…) are bound as compile-time constants, as a compiler
    /// specialising on them would; <see cref="LowersStrictly"/> says whether the node also lowers when only
    /// initializers are constants.</summary>
    private sealed class SingleNodeTileExecutor : IConformanceExecutor
    {
        public string Name => "tile-node";

        /// <summary>What the last run did: "lowered", or "fallback: why" ("" if it threw while lowering or running).</summary>
        public string Status { get; set; } = "";

        public bool LowersStrictly { get; set; }

        /// <summary>The verifier's warnings on the last kernel (strict bounds: loads it cannot prove in range).</summary>
        public List<string> Warnings { get; set; } = [];

        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            if (graph.Nodes.Count != 1) return Fallback("not a single node", graph, inputs);
            var node = graph.Nodes[0];
            var tensors = new Tensor?[node.Inputs.Length];
            for (int i = 0; i < tensors.Length; i++)
            {
                if (node.Inputs[i] is not { } v) continue;
                var value = v.Constant ?? inputs.GetValueOrDefault(v.Name);
                if (value is not Tensor t) return Fallback($"input {i} is not a tensor", graph, inputs);
                tensors[i] = t;
            }
            int opset = graph.Opset(node.Domain);
            LowersStrictly = ComputeLoweringHarness.Lower(node, opset, tensors) is not null;
            var lowered = ComputeLoweringHarness.Lower(node, opset, tensors,
                constants: i => tensors[i] is { } t && t.DataType.IsInteger() ? t : node.Inputs[i]?.Constant);
            if (lowered is null) return Fallback("the lowering declined", graph, inputs);
            var text = TilePrinter.Print(lowered.Kernel);
            if (TilePrinter.Print(TileParser.ParseKernel(text)) != text)
                throw new InvalidOperationException("the kernel's text does not round-trip");
            Warnings = TileVerifier.Diagnose(lowered.Kernel, strictBounds: true).Where(d => !d.IsError).Select(d => d.ToString()).ToList();
            var outs = ComputeLoweringHarness.Run(lowered, node, tensors);
            Status = "lowered";
            var result = new Dictionary<string, RuntimeValue?>(StringComparer.Ordinal);
            foreach (var o in graph.Outputs)
            {
                int i = node.Outputs.IndexOf(o);
                result[o.Name] = i >= 0 ? outs[i] : o.Constant ?? inputs.GetValueOrDefault(o.Name);
            }
            return result;
        }

        private IReadOnlyDictionary<string, RuntimeValue?> Fallback(string why, Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            Status = "fallback: " + why;
            return new GraphInterpreter().Run(graph, inputs);
        }
    }

    [Fact]
    public void Lowered_single_node_conformance_tests_pass()
    {
        if (NodeDirectory() is not { } dir)
        {
            output.WriteLine("conformance data not found (set STRATA_CONFORMANCE): nothing to check");
            return;
        }
        var ops = new HashSet<string>(Ops, StringComparer.Ordinal);
        var tests = ConformanceRunner.Discover(dir).Where(t => ops.Contains(t.Op)).ToList();
        var executor = new SingleNodeTileExecutor();
        var runner = new ConformanceRunner(executor, new ConformanceOptions { Parallelism = 1 });
        var rows = new SortedDictionary<string, int[]>(StringComparer.Ordinal); // tests, strict, lowered, passed, fallback
        var failures = new List<string>();
        var notes = new List<string>();
        foreach (var test in tests)
        {
            executor.Status = "";
            executor.LowersStrictly = false;
            executor.Warnings = [];
            var result = runner.Run(test);
            if (executor.Status == "fallback: not a single node") continue;
            var row = rows.TryGetValue(test.Op, out var existing) ? existing : rows[test.Op] = new int[5];
            row[0]++;
            bool passed = result.Status == ConformanceStatus.Passed;
            if (executor.Status.StartsWith("fallback", StringComparison.Ordinal))
            {
                row[4]++;
                notes.Add($"{test.Name}: {executor.Status}{(passed ? "" : " (fails at graph level too: " + result.Reason + ")")}");
                continue;
            }
            row[2]++;
            if (executor.LowersStrictly) row[1]++;
            else notes.Add($"{test.Name}: lowers only with its integer inputs bound as constants");
            if (passed) row[3]++;
            else failures.Add($"{test.Name}: {result.Reason}");
            foreach (var w in executor.Warnings) notes.Add($"{test.Name}: verifier: {w}");
        }
        var sb = new StringBuilder();
        sb.AppendLine("strict = lowers with only initializers as constants; lowered = with integer graph inputs bound as constants");
        sb.AppendLine($"{"op",-26} {"tests",5} {"strict",6} {"lowered",7} {"pass",5} {"fallback",8}");
        foreach (var (op, r) in rows) sb.AppendLine($"{op,-26} {r[0],5} {r[1],6} {r[2],7} {r[3],5} {r[4],8}");
        var total = rows.Values.Aggregate(new int[5], (a, r) => a.Zip(r, (x, y) => x + y).ToArray());
        sb.AppendLine($"{"total",-26} {total[0],5} {total[1],6} {total[2],7} {total[3],5} {total[4],8}");
        foreach (var n in notes) sb.AppendLine("  " + n);
        output.WriteLine(sb.ToString());
        if (Environment.GetEnvironmentVariable("STRATA_LOWERING_REPORT") is { Length: > 0 } path) File.WriteAllText(path, sb.ToString());
        Assert.True(failures.Count == 0, $"{failures.Count} lowered tests fail:\n{string.Join("\n", failures)}");
    }
}
