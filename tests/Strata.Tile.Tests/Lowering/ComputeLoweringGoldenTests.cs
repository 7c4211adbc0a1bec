using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Tile.Text;
using Attr = Strata.Graph.Attribute;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Golden Tile text of single compute ops as lowered (tests/Strata.Tile.Tests/golden/lower_*.strata), and
/// print → parse → print of each.</summary>
public class ComputeLoweringGoldenTests
{
    private static string Lowered(string op, (DataType Type, int[] Shape)[] inputs, Attr[]? attrs = null, int opset = 18, int outputs = 1,
        Dictionary<int, Tensor>? constants = null)
    {
        var g = new GraphBuilder("node", opset);
        var vars = new Var?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Shape is null) continue;
            vars[i] = constants?.GetValueOrDefault(i) is { } c ? g.Constant("c" + i, c) : g.Input("x" + i, inputs[i].Type, inputs[i].Shape.Select(d => (Dim)d).ToArray());
        }
        var r = g.Op(op, vars, attrs, outputs: outputs, outputNames: Enumerable.Range(0, outputs).Select(i => "y" + i).ToArray());
        for (int i = 0; i < outputs; i++) g.Output(r[i]);
        var node = g.Build().Nodes.Single();
        var tensors = inputs.Select((t, i) => t.Shape is null ? null : constants?.GetValueOrDefault(i) ?? TensorFactory.Create(t.Type, t.Shape)).ToArray();
        var lowered = ComputeLoweringHarness.Lower(node, opset, tensors) ?? throw new InvalidOperationException($"{op} did not lower");
        var text = TilePrinter.Print(lowered.Kernel);
        Assert.Equal(text, TilePrinter.Print(TileParser.ParseKernel(text)));
        return text;
    }

    [Fact]
    public void MatMul() => Golden.Check("lower_matmul",
        Lowered("MatMul", [(DataType.Float32, [2, 128, 768]), (DataType.Float32, [768, 3072])], opset: 13));

    [Fact]
    public void MatMul_vector_times_f16_matrix() => Golden.Check("lower_matmul_vector_f16",
        Lowered("MatMul", [(DataType.Float16, [4]), (DataType.Float16, [3, 4, 5])], opset: 13));

    [Fact]
    public void Gemm() => Golden.Check("lower_gemm",
        Lowered("Gemm", [(DataType.Float32, [4, 3]), (DataType.Float32, [5, 4]), (DataType.Float32, [5])],
            [Attr.Of("transA", 1L), Attr.Of("transB", 1L), Attr.Of("alpha", 0.5f)], opset: 13));

    [Fact]
    public void Conv2d() => Golden.Check("lower_conv2d",
        Lowered("Conv", [(DataType.Float32, [1, 4, 8, 8]), (DataType.Float32, [6, 2, 3, 3]), (DataType.Float32, [6])],
            [Attr.Of("pads", new long[] { 1, 1, 1, 1 }), Attr.Of("strides", new long[] { 2, 2 }), Attr.Of("group", 2L)], opset: 11));

    [Fact]
    public void ConvTranspose1d() => Golden.Check("lower_convtranspose1d",
        Lowered("ConvTranspose", [(DataType.Float32, [1, 2, 5]), (DataType.Float32, [2, 3, 3])],
            [Attr.Of("strides", new long[] { 2 }), Attr.Of("pads", new long[] { 1, 1 })], opset: 11));

    [Fact]
    public void AveragePool() => Golden.Check("lower_averagepool",
        Lowered("AveragePool", [(DataType.Float32, [1, 1, 5, 5])],
            [Attr.Of("kernel_shape", new long[] { 3, 3 }), Attr.Of("pads", new long[] { 1, 1, 1, 1 }), Attr.Of("strides", new long[] { 2, 2 })], opset: 19));

    [Fact]
    public void MaxPool() => Golden.Check("lower_maxpool",
        Lowered("MaxPool", [(DataType.Float32, [1, 3, 6, 6])],
            [Attr.Of("kernel_shape", new long[] { 2, 2 }), Attr.Of("pads", new long[] { 0, 0, 1, 1 }), Attr.Of("strides", new long[] { 2, 2 })], opset: 12));

    [Fact]
    public void ReduceMean() => Golden.Check("lower_reducemean",
        Lowered("ReduceMean", [(DataType.Float32, [2, 3, 4]), (DataType.Int64, [1])], opset: 18, constants: new() { [1] = Tensor<long>.FromArray([1L], 1) }));

    [Fact]
    public void Softmax() => Golden.Check("lower_softmax",
        Lowered("Softmax", [(DataType.Float32, [8, 32])], opset: 13));

    [Fact]
    public void LayerNormalization() => Golden.Check("lower_layernorm",
        Lowered("LayerNormalization", [(DataType.Float32, [4, 16]), (DataType.Float32, [16]), (DataType.Float32, [16])], opset: 17, outputs: 3));

    [Fact]
    public void Attention() => Golden.Check("lower_attention",
        Lowered("Attention", [(DataType.Float32, [1, 4, 8, 16]), (DataType.Float32, [1, 2, 8, 16]), (DataType.Float32, [1, 2, 8, 16])],
            [Attr.Of("is_causal", 1L)], opset: 23));

    [Fact]
    public void Einsum() => Golden.Check("lower_einsum",
        Lowered("Einsum", [(DataType.Float32, [2, 3, 4]), (DataType.Float32, [2, 4, 5])], [Attr.Of("equation", "bij,bjk->bik")], opset: 12));
}
