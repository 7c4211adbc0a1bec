using CsCheck;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph;
using Strata.Tile.Text;
using Strata.Tile.Verification;
using static Strata.Tile.Tests.Lowering.LoweringCheck;
using static Strata.Tile.Tests.Lowering.RandomData;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Chains of pointwise ops and views lowered into one kernel: each node's value is an inner function of
/// its producers', so the whole chain is one computation with no temporaries (what fusion relies on). Random
/// chains are compared with the reference interpreter.</summary>
public sealed class ChainLoweringTests
{
    /// <summary>Lowers every node of <paramref name="g"/> into one kernel and checks it against the reference.</summary>
    private static TileKernel LowerChain(Graph.Graph g, Dictionary<string, RuntimeValue> feeds)
    {
        new TypeInference(NodeHarness.Ops).Run(g);
        var builder = new KernelBuilder(g.Name);
        var values = new Dictionary<Value, TileValue>();
        var data = new Dictionary<string, Tensor>();
        foreach (var v in g.Inputs)
        {
            var t = (Tensor)feeds[v.Name];
            var b = builder.AddInput(v.Name, t.DataType, [.. t.Shape.Select(d => (long)d)]);
            data[b.Name] = t;
            values[v] = TileValue.FromBuffer(b);
        }
        foreach (var c in g.Constants)
        {
            var t = c.Constant!;
            TileBuffer? buffer = null;
            values[c] = new TileValue(t.DataType, [.. t.Shape.Select(d => (long)d)], idx =>
            {
                buffer ??= builder.AddInput(c.Name, t.DataType, [.. t.Shape.Select(d => (long)d)]);
                data[buffer.Name] = t;
                return TileValue.FromBuffer(buffer).At(idx);
            });
        }
        foreach (var node in g.Nodes)
        {
            var inputs = node.Inputs.Select(v => v is null ? null : values[v]).ToArray();
            var ctx = new TileLoweringContext(node, g.Opset(), inputs, i => node.Inputs[i]?.Constant, builder);
            var outs = TileRegistry.Default.FindLowering(node)!.Lower(ctx);
            Assert.True(outs is not null, $"{node.Describe()} did not lower");
            for (int i = 0; i < node.Outputs.Length; i++)
                if (node.Outputs[i] is { } o && outs![i] is { } tv) values[o] = tv;
        }
        foreach (var o in g.Outputs) builder.AddOutput(o.Name, values[o]);
        var kernel = builder.Build();
        TileVerifier.Verify(kernel);
        var results = TileInterpreter.Run(kernel, kernel.Inputs.Select(b => data[b.Name]).ToArray());
        var expected = new GraphInterpreter(NodeHarness.Ops).Run(g, feeds);
        for (int i = 0; i < g.Outputs.Count; i++)
        {
            string? why = ValueComparer.Default.Compare(results[i], expected[g.Outputs[i].Name]!);
            Assert.True(why is null, $"output {g.Outputs[i].Name}: {why}\n{TilePrinter.Print(kernel)}");
        }
        return kernel;
    }

    [Fact]
    public void Conv_style_epilogue_of_batch_norm_and_relu_is_one_expression()
    {
        var rng = new Random(3);
        var b = new Builder();
        var x = b.Input(Tensor(rng, DataType.Float32, [1, 3, 2, 2]));
        Tensor P(double lo = -2, double hi = 2) => Tensor(rng, DataType.Float32, [3], lo, hi);
        var bn = b.Node("BatchNormalization", [x, b.Const(P()), b.Const(P()), b.Const(P()), b.Const(P(0.5, 2))], A("epsilon", 1e-5f));
        var y = b.Node("Relu", [bn]);
        b.Output(y);
        var kernel = LowerChain(b.Graph, b.Feeds);
        Assert.Single(kernel.Computations);
        Assert.Empty(kernel.Temps);
        Golden.Check("lower_chain_batchnorm_relu", TilePrinter.Print(kernel));
    }

    [Fact]
    public void Transpose_of_a_reshape_then_gelu_is_one_expression()
    {
        var rng = new Random(4);
        var b = new Builder();
        var x = b.Input(Tensor(rng, DataType.Float32, [2, 12]));
        var r = b.Node("Reshape", [x, b.Const(Longs(2, 3, 4))]);
        var t = b.Node("Transpose", [r], A("perm", new[] { 0L, 2, 1 }));
        var g = b.Node("Gelu", [b.Node("Add", [t, b.Input(Tensor(rng, DataType.Float32, [3]))])]);
        b.Output(g);
        var kernel = LowerChain(b.Graph, b.Feeds);
        Assert.Single(kernel.Computations);
        Golden.Check("lower_chain_reshape_transpose_add_gelu", TilePrinter.Print(kernel));
    }

    [Fact]
    public void Random_chains_of_pointwise_ops_and_views_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var b = new Builder();
            var shape = Shape(rng, 3, 4, 1);
            var cur = b.Input(Tensor(rng, DataType.Float32, shape));
            for (int step = rng.Next(1, 7); step > 0; step--)
                (cur, shape) = RandomStep(rng, b, cur, shape);
            b.Output(cur);
            LowerChain(b.Graph, b.Feeds);
        }, iter: 200);
    }

    private static (Value, int[]) RandomStep(Random rng, Builder b, Value x, int[] shape)
    {
        int rank = shape.Length;
        switch (rng.Next(rank == 0 ? 4 : 10))
        {
            case 0: return (b.Node(rng.Pick(new[] { "Relu", "Tanh", "Sigmoid", "Neg", "Abs", "Softsign" }), [x]), shape);
            case 1:
            {
                var yshape = shape.Skip(rng.Next(rank + 1)).Select(d => rng.Next(3) == 0 ? 1 : d).ToArray();
                return (b.Node(rng.Pick(new[] { "Add", "Mul", "Sub", "Max" }), [x, b.Input(Tensor(rng, DataType.Float32, yshape))]), shape);
            }
            case 2: return (b.Node("Clip", [x, b.Const(Tensor<float>.Scalar(-1f)), b.Const(Tensor<float>.Scalar(2f))]), shape);
            case 3:
            {
                int at = rng.Next(rank + 1);
                return (b.Node("Unsqueeze", [x, b.Const(Longs(at))]), InsertOne(shape, at));
            }
            case 4:
            {
                var perm = Enumerable.Range(0, rank).OrderBy(_ => rng.Next()).ToArray();
                return (b.Node("Transpose", [x], A("perm", perm.Select(p => (long)p).ToArray())), perm.Select(p => shape[p]).ToArray());
            }
            case 5:
            {
                int total = shape.Aggregate(1, (p, d) => p * d);
                int[] to = total % 2 == 0 && rng.Next(2) == 0 ? [2, total / 2] : [total];
                return (b.Node("Reshape", [x, b.Const(Longs([.. to.Select(d => (long)d)]))]), to);
            }
            case 6:
            {
                int a = rng.Next(rank);
                long start = rng.Next(shape[a]), end = rng.Next((int)start + 1, shape[a] + 1);
                var s = (int[])shape.Clone();
                s[a] = (int)(end - start);
                return (b.Node("Slice", [x, b.Const(Longs(start)), b.Const(Longs(end)), b.Const(Longs(a))]), s);
            }
            case 7:
            {
                int a = rng.Next(rank);
                var pads = new long[2 * rank];
                pads[a] = rng.Next(3);
                pads[rank + a] = rng.Next(3);
                var s = (int[])shape.Clone();
                s[a] += (int)(pads[a] + pads[rank + a]);
                return (b.Node("Pad", [x, b.Const(Longs(pads))], A("mode", rng.Pick(new[] { "constant", "edge", "reflect", "wrap" }))), s);
            }
            case 8:
            {
                int a = rng.Next(rank);
                var s = (int[])shape.Clone();
                s[a] *= 2;
                return (b.Node("Concat", [x, b.Node("Exp", [x])], A("axis", (long)a)), s);
            }
            default:
            {
                int a = rng.Next(rank);
                var idx = Tensor(rng, DataType.Int64, [rng.Next(1, 4)], -shape[a], shape[a] - 1);
                var s = (int[])shape.Clone();
                s[a] = idx.Length;
                return (b.Node("Gather", [x, b.Input(idx)], A("axis", (long)a)), s);
            }
        }
    }

    private static int[] InsertOne(int[] shape, int at) => [.. shape.Take(at), 1, .. shape.Skip(at)];

    /// <summary>Builds a graph node by node with generated names.</summary>
    private sealed class Builder
    {
        public Graph.Graph Graph { get; } = new("chain");
        public Dictionary<string, RuntimeValue> Feeds { get; } = new(StringComparer.Ordinal);
        private int _n;

        public Value Input(Tensor t)
        {
            var v = new Value("in" + _n++, t.Type);
            Graph.Inputs.Add(v);
            Feeds[v.Name] = t;
            return v;
        }

        public Value Const(Tensor t) => Graph.AddConstant("c" + _n++, t);

        public Value Node(string op, Value[] inputs, params Graph.Attribute[] attributes)
        {
            var o = new Value("v" + _n++);
            Graph.Nodes.Add(new Node(op, inputs, [o], attributes));
            return o;
        }

        public void Output(Value v) => Graph.Outputs.Add(v);
    }
}
