using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Tile.Verification;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Lowers one graph node to a Tile kernel and runs it: every present node input becomes a kernel input
/// (<see cref="KernelBuilder.AddInput"/> + <see cref="TileValue.FromBuffer"/>), the lowering's values become kernel
/// outputs, the kernel must pass <see cref="TileVerifier"/>, and <see cref="TileInterpreter"/> evaluates it. Used by the compute-lowering tests to compare a
/// node's Tile kernel with the reference interpreter (random data) and with the ONNX conformance data.</summary>
public static class ComputeLoweringHarness
{
    /// <summary>The kernel of one node: which node outputs it writes, in kernel-output order.</summary>
    public sealed record LoweredNode(TileKernel Kernel, int[] OutputIndices);

    /// <summary>Lowers <paramref name="node"/> for the given input tensors (null = omitted optional input). Constant
    /// inputs are those with a compile-time value (<see cref="Value.Constant"/>) unless <paramref name="constants"/>
    /// says otherwise. Null when there is no lowering or it declines (the node would be a fallback).</summary>
    public static LoweredNode? Lower(Node node, int opset, IReadOnlyList<Tensor?> inputs, ExtensionRegistry? registry = null,
        Func<int, Tensor?>? constants = null) => Lower(node, opset, inputs, out _, registry, constants);

    /// <summary>Like the other overload; <paramref name="declineReason"/> says why it declined (null when it lowered).</summary>
    public static LoweredNode? Lower(Node node, int opset, IReadOnlyList<Tensor?> inputs, out string? declineReason,
        ExtensionRegistry? registry = null, Func<int, Tensor?>? constants = null)
    {
        declineReason = null;
        var lowering = (registry ?? TileRegistry.Default).FindLowering(node);
        if (lowering is null)
        {
            declineReason = $"no Tile lowering for {node.OpKey}";
            return null;
        }
        var kb = new KernelBuilder(Sanitize(node.OpType));
        var values = new TileValue?[node.Inputs.Length];
        for (int i = 0; i < node.Inputs.Length; i++)
        {
            if (node.Inputs[i] is null || i >= inputs.Count || inputs[i] is not { } t) continue;
            var buffer = kb.AddInput(node.Inputs[i]!.Name is { Length: > 0 } n ? n : "in" + i, t.DataType, [.. t.Shape.Select(d => (long)d)]);
            values[i] = TileValue.FromBuffer(buffer);
        }
        constants ??= i => node.Inputs[i]?.Constant;
        var ctx = new TileLoweringContext(node, opset, values, constants, kb);
        var result = lowering.Lower(ctx);
        if (result is null)
        {
            declineReason = ctx.DeclineReason ?? "declined without a reason";
            return null;
        }
        var produced = new List<int>();
        for (int i = 0; i < node.Outputs.Length; i++)
        {
            if (node.Outputs[i] is null) continue;
            if (i >= result.Count || result[i] is not { } v)
            {
                declineReason = $"no value for output {i}";
                return null;
            }
            kb.AddOutput(node.Outputs[i]!.Name is { Length: > 0 } n ? n : "out" + i, v);
            produced.Add(i);
        }
        var kernel = kb.Build();
        TileVerifier.Verify(kernel);
        return new LoweredNode(kernel, [.. produced]);
    }

    /// <summary>Runs a lowered node: the outputs, indexed like the node's outputs (null where not produced).</summary>
    public static Tensor?[] Run(LoweredNode lowered, Node node, IReadOnlyList<Tensor?> inputs)
    {
        var feeds = new List<Tensor>();
        for (int i = 0; i < node.Inputs.Length; i++)
            if (node.Inputs[i] is not null && i < inputs.Count && inputs[i] is { } t) feeds.Add(t);
        var outs = TileInterpreter.Run(lowered.Kernel, feeds);
        var result = new Tensor?[node.Outputs.Length];
        for (int i = 0; i < lowered.OutputIndices.Length; i++) result[lowered.OutputIndices[i]] = outs[i];
        return result;
    }

    /// <summary>A one-node graph (inputs x0, x1, …; <paramref name="constants"/>[i] non-null makes input i a constant),
    /// its reference outputs, and the node's Tile outputs (null when the lowering declined).</summary>
    public sealed record Comparison(Node Node, Tensor[] Expected, Tensor?[]? Actual, TileKernel? Kernel);

    public static Comparison Compare(string opType, Tensor?[] inputs, IEnumerable<Graph.Attribute>? attributes = null, int opset = 18,
        int outputs = 1, bool[]? constantInputs = null)
    {
        var g = new GraphBuilder("node", opset);
        var vars = new Var?[inputs.Length];
        var feeds = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) continue;
            if (constantInputs is not null && i < constantInputs.Length && constantInputs[i]) vars[i] = g.Constant("c" + i, t);
            else
            {
                vars[i] = g.Input("x" + i, t.DataType, t.Shape.Select(d => (Dim)d).ToArray());
                feeds["x" + i] = t;
            }
        }
        var names = Enumerable.Range(0, outputs).Select(i => "y" + i).ToArray();
        var r = g.Op(opType, vars, attributes, outputs: outputs, outputNames: names);
        for (int i = 0; i < outputs; i++) g.Output(r[i]);
        var graph = g.Build();
        var node = graph.Nodes.Single();
        var reference = new GraphInterpreter().Run(graph, feeds);
        var expected = graph.Outputs.Select(o => (Tensor)reference[o.Name]!).ToArray();

        var lowered = Lower(node, opset, inputs);
        if (lowered is null) return new Comparison(node, expected, null, null);
        var actual = Run(lowered, node, inputs);
        var wanted = graph.Outputs.Select(o => actual[node.Outputs.IndexOf(o)]).ToArray();
        return new Comparison(node, expected, wanted, lowered.Kernel);
    }

    private static string Sanitize(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray());
}
