using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.Ml;

public class MlOpTests
{
    private const string Ml = "ai.onnx.ml";

    private static Tensor RunMl(string op, Tensor x, params Attribute[] attrs) => (Tensor)RunNode(op, [x], attributes: attrs, domain: Ml, opset: 5)[0]!;

    [Fact]
    public void LabelEncoderMapsStringsToIntsWithDefault()
    {
        var r = (Tensor<long>)RunMl("LabelEncoder", T(["Dori", "Amy", "Sally"], 3),
            Attribute.Of("keys_strings", new[] { "Amy", "Sally" }), Attribute.Of("values_int64s", new[] { 5L, 6 }));
        Assert.Equal([-1L, 5, 6], r.ToArray());
    }

    [Fact]
    public void LabelEncoderWithTensorsKeepsTheValueType()
    {
        var r = (Tensor<short>)RunMl("LabelEncoder", T([1L, 2, 7], 3),
            Attribute.Of("keys_tensor", T([1L, 2], 2)), Attribute.Of("values_tensor", T(new short[] { 10, 20 }, 2)),
            Attribute.Of("default_tensor", S((short)-5)));
        Assert.Equal(new short[] { 10, 20, -5 }, r.ToArray());

        var f = (Tensor<string>)RunMl("LabelEncoder", T([float.NaN, 1.5f], 2),
            Attribute.Of("keys_floats", new[] { float.NaN }), Attribute.Of("values_strings", new[] { "nan" }));
        Assert.Equal(["nan", "_Unused"], f.ToArray());
    }

    [Fact]
    public void BinarizerAndArrayFeatureExtractor()
    {
        Assert.Equal([0f, 0, 1], ((Tensor<float>)RunMl("Binarizer", T([-1f, 0.5f, 2f], 3), Attribute.Of("threshold", 0.5f))).ToArray());
        var picked = (Tensor<float>)RunNode("ArrayFeatureExtractor", [T([1f, 2, 3, 4, 5, 6], 2, 3), T([2L, 0], 2)], domain: Ml)[0]!;
        Assert.Equal([2, 2], picked.Shape);
        Assert.Equal([3f, 1, 6, 4], picked.ToArray());
    }

    /// <summary>Two trees of one node each: x0 &lt;= 1 → leaf weights; sum per target.</summary>
    [Theory]
    [InlineData(1L, new[] { 11.0, 0.0, 0.0, 22.0 })]
    [InlineData(0L, new[] { 5.5, 0.0, 0.0, 11.0 })]
    [InlineData(3L, new[] { 10.0, double.MinValue, double.MinValue, 20.0 })]
    public void TreeEnsembleAggregatesLeaves(long aggregate, double[] expected)
    {
        var r = RunMl("TreeEnsemble", T([0.5, 3.0], 2, 1),
            Attribute.Of("tree_roots", new[] { 0L, 1 }),
            Attribute.Of("nodes_featureids", new[] { 0L, 0 }),
            Attribute.Of("nodes_modes", T(new byte[] { 0, 3 }, 2)),
            Attribute.Of("nodes_splits", T([1.0, 2.0], 2)),
            Attribute.Of("nodes_truenodeids", new[] { 0L, 2 }), Attribute.Of("nodes_trueleafs", new[] { 1L, 1 }),
            Attribute.Of("nodes_falsenodeids", new[] { 1L, 3 }), Attribute.Of("nodes_falseleafs", new[] { 1L, 1 }),
            Attribute.Of("leaf_targetids", new[] { 0L, 1, 1, 0 }),
            Attribute.Of("leaf_weights", T([1.0, 2.0, 20.0, 10.0], 4)),
            Attribute.Of("n_targets", 2L), Attribute.Of("aggregate_function", aggregate));
        // Row 0.5: tree 0 (x <= 1) -> leaf 0 (target 0, 1); tree 1 (x > 2? no) -> leaf 3 (target 0, 10).
        // Row 3.0: tree 0 -> leaf 1 (target 1, 2); tree 1 (x > 2) -> leaf 2 (target 1, 20). MAX leaves untouched targets at the lowest double.
        Assert.Equal([2, 2], r.Shape);
        Assert.Equal(expected, ((Tensor<double>)r).ToArray());
    }
}
