using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Tile.Text;
using Strata.Tile.Verification;

namespace Strata.Tile.Tests.Lowering;

/// <summary>What happened to one node: not lowered (with why), or lowered and compared.</summary>
public sealed record NodeOutcome(bool Lowered, string? Failure, TileKernel? Kernel)
{
    public bool Passed => Lowered && Failure is null;
    public static NodeOutcome Fallback(string why) => new(false, why, null);
}

/// <summary>Lowers one node of a graph into a Tile kernel of its own (each graph input of the node becomes a
/// kernel input buffer, each output a kernel output), runs the kernel, and compares the outputs with expected
/// values (by default the reference interpreter's). Graph constants are the node's compile-time inputs.</summary>
public static class NodeHarness
{
    public static readonly OpRegistry Ops = new(TileRegistry.Default);

    /// <summary>Lowers <paramref name="node"/> (of <paramref name="graph"/>, whose types are inferred here) and
    /// compares with <paramref name="expected"/> outputs by name, or with the reference interpreter when null.</summary>
    public static NodeOutcome Check(Graph.Graph graph, Node node, IReadOnlyDictionary<string, RuntimeValue> inputs,
        IReadOnlyDictionary<string, RuntimeValue>? expected = null, ValueComparer? comparer = null)
    {
        new TypeInference(Ops).Run(graph);
        var builder = new KernelBuilder(node.OpType.ToLowerInvariant());
        var values = new TileValue?[node.Inputs.Length];
        var data = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < values.Length; i++)
        {
            if (node.Inputs[i] is not { } v) continue;
            var t = v.Constant ?? inputs.GetValueOrDefault(v.Name) as Tensor;
            if (t is null) return NodeOutcome.Fallback($"input {i} ('{v.Name}') is not a tensor");
            // Data inputs are kernel inputs in node order; a compile-time constant becomes one only if the kernel
            // reads it (a Reshape's shape does not; Gather's constant indices may).
            TileBuffer? buffer = v.Constant is null ? builder.AddInput(v.Name, t.DataType, [.. t.Shape.Select(d => (long)d)]) : null;
            if (buffer is not null) data[buffer.Name] = t;
            values[i] = new TileValue(t.DataType, [.. t.Shape.Select(d => (long)d)], idx =>
            {
                if (buffer is null)
                {
                    buffer = builder.AddInput(v.Name, t.DataType, [.. t.Shape.Select(d => (long)d)]);
                    data[buffer.Name] = t;
                }
                return TileValue.FromBuffer(buffer).At(idx);
            });
        }
        if (TileRegistry.Default.FindLowering(node) is not { } lowering) return NodeOutcome.Fallback("no lowering registered");
        var ctx = new TileLoweringContext(node, graph.Opset(node.Domain), values, i => node.Inputs[i]?.Constant, builder);
        var lowered = lowering.Lower(ctx);
        if (lowered is null) return NodeOutcome.Fallback("the lowering declined" + (ctx.DeclineReason is { } why ? ": " + why : ""));

        expected ??= new GraphInterpreter(Ops).Run(graph, inputs)!;
        var outputs = new List<(string Name, string Buffer)>();
        for (int i = 0; i < node.Outputs.Length; i++)
        {
            if (node.Outputs[i] is not { } o || !expected.ContainsKey(o.Name)) continue;
            if (i >= lowered.Count || lowered[i] is not { } value) return new NodeOutcome(true, $"no value for output {i}", null);
            outputs.Add((o.Name, builder.AddOutput(o.Name, value).Name));
        }
        var kernel = builder.Build();
        if (TileVerifier.Diagnose(kernel).FirstOrDefault(d => d.IsError) is { } error)
            return new NodeOutcome(true, $"kernel does not verify: {error}", kernel);
        string text = TilePrinter.Print(kernel);
        if (TilePrinter.Print(TileParser.ParseKernel(text)) != text)
            return new NodeOutcome(true, $"kernel text does not round-trip:\n{text}", kernel);
        Tensor[] results;
        try { results = TileInterpreter.Run(kernel, kernel.Inputs.Select(b => data[b.Name]).ToArray()); }
        catch (Exception e) when (e is StrataException or IndexOutOfRangeException or InvalidOperationException or ArgumentException)
        {
            return new NodeOutcome(true, $"kernel failed: {e.GetType().Name}: {e.Message}", kernel);
        }
        comparer ??= ValueComparer.Default;
        foreach (var (name, buffer) in outputs)
            if (comparer.Compare(results[kernel.Outputs.IndexOf(kernel.Buffer(buffer))], expected[name]) is { } why)
                return new NodeOutcome(true, $"output '{name}': {why}", kernel);
        return new NodeOutcome(true, null, kernel);
    }

    /// <summary>A one-node graph: inputs whose index is in <paramref name="constants"/> become graph constants.</summary>
    public static (Graph.Graph Graph, Node Node, Dictionary<string, RuntimeValue> Inputs) OneNode(string op, Tensor?[] inputs,
        int outputs = 1, IEnumerable<Graph.Attribute>? attributes = null, int opset = OpsetDefaults.Latest, IEnumerable<int>? constants = null)
    {
        var g = new Graph.Graph("one") { OpsetImports = { [""] = opset } };
        var constantSet = new HashSet<int>(constants ?? []);
        var feeds = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        var values = new Value?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) continue;
            if (constantSet.Contains(i)) values[i] = g.AddConstant("c" + i, t);
            else
            {
                values[i] = new Value("x" + i, t.Type);
                g.Inputs.Add(values[i]!);
                feeds["x" + i] = t;
            }
        }
        var outs = Enumerable.Range(0, outputs).Select(i => new Value("y" + i)).ToArray();
        var node = new Node(op, values, outs, attributes);
        g.Nodes.Add(node);
        g.Outputs.AddRange(outs);
        return (g, node, feeds);
    }
}
