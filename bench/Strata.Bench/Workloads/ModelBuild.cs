using Strata.Core;
using Strata.Graph.Builder;
using Strata.Onnx;

namespace Strata.Bench.Workloads;

/// <summary>The common steps of building a workload in memory: a <see cref="GraphBuilder"/> at
/// <see cref="Opset"/>, fp32 inputs fed from a seeded random source, and export to ONNX bytes.</summary>
internal sealed class ModelBuild
{
    /// <summary>17: the first opset with LayerNormalization; Gelu is written out as its erf form (0.5·x·(1+erf(x/√2)))
    /// with standard ops, so ONNX Runtime runs the same graph.</summary>
    public const int Opset = 17;

    private readonly List<NamedInput> _inputs = [];

    public ModelBuild(string name, int seed)
    {
        Graph = new GraphBuilder(name, Opset);
        Random = new SeededRandom(seed);
    }

    public GraphBuilder Graph { get; }
    public SeededRandom Random { get; }

    /// <summary>A graph input of the given shape and the random values (uniform in [-1, 1]) fed to it.</summary>
    public Var Input(string name, params int[] shape)
    {
        _inputs.Add(new NamedInput(name, Random.Uniform(1f, shape)));
        return Graph.Input(name, DataType.Float32, shape.Select(d => (Dim)d).ToArray());
    }

    /// <summary>A constant weight (an ONNX initializer) with 1/√fan-in scale.</summary>
    public Var Weight(string name, int fanIn, params int[] shape) => Graph.Constant(name, Random.Weight(fanIn, shape));

    /// <summary>A constant filled with <paramref name="value"/> (LayerNorm scale, for instance).</summary>
    public Var Filled(string name, float value, params int[] shape)
    {
        var t = new Tensor<float>(shape);
        t.Span.Fill(value);
        return Graph.Constant(name, t);
    }

    public WorkloadModel Finish(params Var[] outputs)
    {
        for (int i = 0; i < outputs.Length; i++) Graph.Output(outputs[i], outputs.Length == 1 ? "y" : $"y{i}");
        return new WorkloadModel(OnnxExporter.ToBytes(Graph.Build()), _inputs);
    }
}
