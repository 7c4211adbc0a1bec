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
        "RotaryEmbedding", "SwiGLU", "MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv", "CumSum", "CumProd",
        "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "CausalConvWithState", "LinearAttention", "DeformConv", "TopK",
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

        /// <summary>The last node run, its opset and input tensors.</summary>
        public Node? Node { get; private set; }
        public int Opset { get; private set; }
        public Tensor?[]? Inputs { get; private set; }

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
            (Node, Opset, Inputs) = (node, opset, tensors);
            LowersStrictly = ComputeLoweringHarness.Lower(node, opset, tensors) is not null;
            var lowered = ComputeLoweringHarness.Lower(node, opset, tensors, out var why,
                constants: i => tensors[i] is { } t && t.DataType.IsInteger() ? t : node.Inputs[i]?.Constant);
            if (lowered is null) return Fallback("declined: " + why, graph, inputs);
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
            else
            {
                ComputeLoweringHarness.Lower(executor.Node!, executor.Opset, executor.Inputs!, out var why);
                notes.Add($"{test.Name}: lowers only with its integer inputs bound as constants (strictly: {why})");
            }
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

    /// <summary>Inside multi-node conformance graphs (the <c>_expanded</c> function bodies, models): every top-level node
    /// of a compute op is lowered on its own, with the values the reference interpreter computed for its inputs, and
    /// compared with the reference's outputs for it. Constants are the graph's (initializers, folded Constant nodes).</summary>
    [Fact]
    public void Compute_nodes_inside_multi_node_graphs_match_reference()
    {
        if (NodeDirectory() is not { } dir)
        {
            output.WriteLine("conformance data not found (set STRATA_CONFORMANCE): nothing to check");
            return;
        }
        var ops = new HashSet<string>(Ops, StringComparer.Ordinal);
        var rows = new SortedDictionary<string, int[]>(StringComparer.Ordinal); // nodes, strict, lowered, passed
        var failures = new List<string>();
        var declined = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(dir, "..", "index.tsv")).Skip(1))
        {
            var f = line.Split('\t');
            if (f.Length < 13 || f[11] == "1" || !f[12].Split(',').Any(ops.Contains)) continue;
            string testDir = Path.Combine(dir, f[0]);
            var model = Onnx.OnnxImporter.LoadModel(Path.Combine(testDir, "model.onnx"), new Onnx.OnnxImportOptions { InferTypes = false });
            new TypeInference().Run(model.Graph);
            var graph = model.Graph;
            var feeds = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
            for (int i = 0; i < model.DeclaredInputs.Count; i++)
            {
                string file = Path.Combine(testDir, "test_data_set_0", $"input_{i}.pb");
                if (!File.Exists(file)) break;
                feeds[model.DeclaredInputs[i].Name] = Onnx.OnnxData.ReadValue(file, model.DeclaredInputs[i].Type);
            }
            var values = new Dictionary<Value, RuntimeValue?>(ReferenceEqualityComparer.Instance);
            foreach (var v in graph.Inputs) values[v] = feeds.GetValueOrDefault(v.Name);
            foreach (var v in graph.Constants) values[v] = v.Constant;
            var top = new HashSet<Node>(graph.Nodes, ReferenceEqualityComparer.Instance);
            var seen = new List<(Node Node, Tensor?[] Inputs, RuntimeValue?[] Outputs)>();
            var interpreter = new GraphInterpreter
            {
                OnNodeEvaluated = (node, outs) =>
                {
                    if (!top.Contains(node)) return;
                    var ins = node.Inputs.Select(v => v is null ? null : values.GetValueOrDefault(v) as Tensor).ToArray();
                    for (int i = 0; i < node.Outputs.Length; i++)
                        if (node.Outputs[i] is { } o) values[o] = i < outs.Count ? outs[i] : null;
                    if (ops.Contains(node.OpType) && node.Domain.Length == 0) seen.Add((node, ins, outs.ToArray()));
                },
            };
            try { interpreter.Run(graph, feeds); }
            catch (StrataException) { continue; } // fails at graph level: nothing to compare with
            // Values known at compile time once constants are folded: constants, and results of deterministic nodes
            // without subgraphs whose inputs are all known (Shape and Size need only a static input shape).
            var folded = new HashSet<Value>(graph.Constants, ReferenceEqualityComparer.Instance);
            foreach (var node in graph.Nodes)
            {
                bool shapeOnly = node.OpType is "Shape" or "Size" && node.Inputs[0]?.TensorType?.Shape is { IsFullyKnown: true };
                bool foldable = node.OpType is not ("RandomNormal" or "RandomUniform" or "RandomNormalLike" or "RandomUniformLike" or "Bernoulli" or "Multinomial" or "Dropout")
                    && node.Attributes.Values.All(a => a.Kind is not (AttributeKind.Graph or AttributeKind.Graphs))
                    && (shapeOnly || node.Inputs.All(v => v is null || folded.Contains(v)));
                if (foldable) foreach (var o in node.Outputs) if (o is not null) folded.Add(o);
            }
            foreach (var (node, ins, outs) in seen)
            {
                var row = rows.TryGetValue(node.OpType, out var existing) ? existing : rows[node.OpType] = new int[4];
                row[0]++;
                if (node.Inputs.Select((v, i) => v is not null && ins[i] is null).Any(b => b)) continue;
                int opset = graph.Opset(node.Domain);
                var lowered = ComputeLoweringHarness.Lower(node, opset, ins, constants: i => node.Inputs[i] is { } v && folded.Contains(v) ? ins[i] : null);
                if (lowered is not null) row[1]++;
                else
                {
                    // Integer graph inputs (axes…) bound as constants, as a compiler specialising on them would.
                    lowered = ComputeLoweringHarness.Lower(node, opset, ins, out var declineReason, constants: i =>
                        node.Inputs[i] is { } v && (folded.Contains(v) || graph.Inputs.Contains(v) && ins[i]!.DataType.IsInteger()) ? ins[i] : null);
                    if (lowered is null)
                    {
                        declined.Add($"{f[0]}: {node.Describe()}: {declineReason} on {string.Join(", ", ins.Select(t => t is null ? "-" : t.DataType.ShortName() + ShapeMath.Format(t.Shape)))}");
                        continue;
                    }
                }
                row[2]++;
                var got = ComputeLoweringHarness.Run(lowered, node, ins);
                string? difference = null;
                for (int i = 0; i < node.Outputs.Length && difference is null; i++)
                    if (node.Outputs[i] is not null && outs[i] is { } expected)
                        difference = ValueComparer.Default.Compare(got[i], expected);
                if (difference is null) row[3]++;
                else failures.Add($"{f[0]}: {node.Describe()}: {difference}");
            }
        }
        var sb = new StringBuilder();
        sb.AppendLine("strict = lowers with folded constants only; lowered = with integer graph inputs bound as constants");
        sb.AppendLine($"{"op (inside multi-node graphs)",-30} {"nodes",5} {"strict",6} {"lowered",7} {"pass",5}");
        foreach (var (op, r) in rows) sb.AppendLine($"{op,-30} {r[0],5} {r[1],6} {r[2],7} {r[3],5}");
        var total = rows.Values.Aggregate(new int[4], (a, r) => a.Zip(r, (x, y) => x + y).ToArray());
        sb.AppendLine($"{"total",-30} {total[0],5} {total[1],6} {total[2],7} {total[3],5}");
        foreach (var d in declined) sb.AppendLine("  declined: " + d);
        output.WriteLine(sb.ToString());
        if (Environment.GetEnvironmentVariable("STRATA_LOWERING_REPORT") is { Length: > 0 } path) File.AppendAllText(path, sb.ToString());
        Assert.True(failures.Count == 0, $"{failures.Count} lowered nodes differ:\n{string.Join("\n", failures)}");
    }
}
