using Strata.Core;

namespace Strata.Graph.Tests.Ops.ControlFlow;

/// <summary>Builds and runs small graphs for the control-flow family's tests. Bodies use a few test-only ops in the
/// "strata.test" domain (Add, Less, Identity computed through double), so these tests do not depend on other families.</summary>
public static class ControlFlowHarness
{
    public const string TestDomain = "strata.test";

    public static OpRegistry Registry { get; } = CreateRegistry();

    private static OpRegistry CreateRegistry()
    {
        var ext = new ExtensionRegistry();
        ext.Load(new BuiltinOpsPlugin());
        ext.AddOp(new OpSchema(TestDomain, "Add", null, c => [Binary(c, (a, b) => a + b, c.Input(0).DataType)]));
        ext.AddOp(new OpSchema(TestDomain, "Less", null, c => [Binary(c, (a, b) => a < b ? 1 : 0, DataType.Bool)]));
        ext.AddOp(new OpSchema(TestDomain, "Identity", null, c => [c.Inputs[0]]));
        return new OpRegistry(ext);
    }

    private static Tensor Binary(OpContext c, Func<double, double, double> f, DataType result)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var shape = ShapeMath.Broadcast(a.Shape, b.Shape);
        var av = TensorConvert.ToDoubles(a);
        var bv = TensorConvert.ToDoubles(b);
        var ai = ShapeMath.BroadcastIndexMap(a.Shape, shape);
        var bi = ShapeMath.BroadcastIndexMap(b.Shape, shape);
        var r = new double[ShapeMath.Size(shape)];
        for (int i = 0; i < r.Length; i++) r[i] = f(av[ai[i]], bv[bi[i]]);
        return TensorConvert.FromDoubles(result, r, shape);
    }

    public static Tensor<T> T<T>(T[] data, params int[] shape) => new(data, shape);
    public static Tensor<T> S<T>(T value) => Tensor<T>.Scalar(value);

    public static TensorType Type(DataType et, params int[] dims) => new(et, Shape.Of(dims));

    /// <summary>Runs one node whose inputs are graph inputs (null = omitted) and returns its outputs.</summary>
    public static IReadOnlyList<RuntimeValue?> RunNode(string op, RuntimeValue?[] inputs, int outputs = 1,
        Attribute[]? attributes = null, string domain = "", int opset = OpsetDefaults.Latest)
    {
        var g = new Graph("test");
        g.OpsetImports[Node.NormalizeDomain(domain)] = opset;
        var feeds = new Dictionary<string, RuntimeValue>();
        var ins = new Value?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } v) continue;
            ins[i] = new Value($"in{i}", v.Type);
            g.Inputs.Add(ins[i]!);
            feeds[$"in{i}"] = v;
        }
        var outs = Enumerable.Range(0, outputs).Select(i => new Value($"out{i}")).ToArray();
        g.Nodes.Add(new Node(op, ins, outs, attributes, domain));
        g.Outputs.AddRange(outs);
        var result = new GraphInterpreter(Registry, seed: 7).Run(g, feeds);
        return outs.Select(o => result[o.Name]).ToArray();
    }

    public static Tensor Run(string op, params RuntimeValue?[] inputs) => (Tensor)RunNode(op, inputs)[0]!;

    /// <summary>Type inference of one node whose inputs have the given types.</summary>
    public static Core.ValueType?[] InferNode(string op, Core.ValueType?[] inputTypes, int outputs = 1, Attribute[]? attributes = null,
        string domain = "", int opset = OpsetDefaults.Latest)
    {
        var g = new Graph("infer");
        g.OpsetImports[Node.NormalizeDomain(domain)] = opset;
        var ins = inputTypes.Select((t, i) => t is null ? null : new Value($"in{i}", t)).ToArray();
        g.Inputs.AddRange(ins.OfType<Value>());
        var outs = Enumerable.Range(0, outputs).Select(i => new Value($"out{i}")).ToArray();
        g.Nodes.Add(new Node(op, ins, outs, attributes, domain));
        g.Outputs.AddRange(outs);
        new TypeInference(Registry).Run(g);
        return outs.Select(o => o.Type).ToArray();
    }

    public static Node TestNode(string op, Value?[] inputs, Value[] outputs) => new(op, inputs, outputs, domain: TestDomain);

    public static void AssertClose(double[] expected, double[] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static double[] D(RuntimeValue? t) => TensorConvert.ToDoubles((Tensor)t!);
}
