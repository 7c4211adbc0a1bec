using System.Collections.Immutable;
using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

/// <summary>Type inference of the tensor ops with symbolic dims and with shape inputs known or unknown.</summary>
public class ShapeInferenceTests
{
    private static TensorType? Infer(string op, Core.ValueType?[] inputTypes, Core.Tensor?[] constants, int opset = 25, params Attribute[] attrs)
    {
        var node = new Node(op, inputTypes.Select((t, i) => t is null ? null : new Value($"x{i}", t)), [new Value("y")], attrs);
        var ctx = new InferenceContext(node, opset, inputTypes, i => i < constants.Length ? constants[i] : null);
        return OpRegistry.Default.Get(node).InferTypes(ctx)[0] as TensorType;
    }

    private static readonly TensorType BatchBy3By4 = new(DataType.Float32, new Shape([Dim.Sym("N"), Dim.Of(3), Dim.Of(4)]));
    private static readonly TensorType Shape1 = new(DataType.Int64, Shape.Of(1L));

    [Fact]
    public void ReshapeWithUnknownShapeInputKeepsTheElementTypeAndRank()
    {
        var t = Infer("Reshape", [BatchBy3By4, new TensorType(DataType.Int64, Shape.Of(2L))], []);
        Assert.Equal("f32[?,?]", t!.ToString());
        var unknownRank = Infer("Reshape", [BatchBy3By4, new TensorType(DataType.Int64, null)], []);
        Assert.Equal("f32[*]", unknownRank!.ToString());
    }

    [Fact]
    public void ReshapeCopiesSymbolicDimsForZero()
    {
        var t = Infer("Reshape", [BatchBy3By4, new TensorType(DataType.Int64, Shape.Of(2L))], [null, Vec(0, -1)]);
        Assert.Equal("f32[N,?]", t!.ToString());
        var known = Infer("Reshape", [new TensorType(DataType.Float32, Shape.Of(2, 3, 4)), Shape1], [null, Vec(-1, 4)]);
        Assert.Equal("f32[6,4]", known!.ToString());
    }

    [Fact]
    public void SliceKeepsUnslicedSymbolicDims()
    {
        var t = Infer("Slice", [BatchBy3By4, Shape1, Shape1, Shape1], [null, Vec(1), Vec(-1), Vec(2)]);
        Assert.Equal("f32[N,3,2]", t!.ToString());
        var unknownArgs = Infer("Slice", [BatchBy3By4, Shape1, Shape1, Shape1], [null, null, null, Vec(2)]);
        Assert.Equal("f32[N,3,?]", unknownArgs!.ToString());
    }

    [Fact]
    public void ExpandTileConcatTransposeWithSymbols()
    {
        Assert.Equal("f32[2,N,3,4]", Infer("Expand", [BatchBy3By4, Shape1], [null, Vec(2, 1, 1, 1)])!.ToString());
        Assert.Equal("f32[N,6,4]", Infer("Tile", [BatchBy3By4, Shape1], [null, Vec(1, 2, 1)])!.ToString());
        Assert.Equal("f32[N,6,4]", Infer("Concat", [BatchBy3By4, BatchBy3By4], [], attrs: Attribute.Of("axis", 1L))!.ToString());
        Assert.Equal("f32[?,3,4]", Infer("Concat", [BatchBy3By4, BatchBy3By4], [], attrs: Attribute.Of("axis", 0L))!.ToString());
        Assert.Equal("f32[4,3,N]", Infer("Transpose", [BatchBy3By4], [])!.ToString());
        Assert.Equal("f32[N,12]", Infer("Flatten", [BatchBy3By4], [])!.ToString());
    }

    [Fact]
    public void SqueezeUnsqueezeAndShape()
    {
        var withOne = new TensorType(DataType.Float32, new Shape([Dim.Sym("N"), Dim.Of(1), Dim.Of(4)]));
        Assert.Equal("f32[N,4]", Infer("Squeeze", [withOne, Shape1], [null, Vec(1)])!.ToString());
        Assert.Equal("f32[*]", Infer("Squeeze", [withOne], [])!.ToString()); // N might be 1
        Assert.Equal("f32[N,1,1,4]", Infer("Unsqueeze", [withOne, Shape1], [null, Vec(-2)])!.ToString());
        Assert.Equal("f32[N,4]", Infer("Squeeze", [withOne], [], opset: 11, attrs: Attribute.Of("axes", new long[] { 1 }))!.ToString());
        Assert.Equal("i64[2]", Infer("Shape", [BatchBy3By4], [], attrs: Attribute.Of("start", -2L))!.ToString());
    }

    [Fact]
    public void ResizeFromConstantScalesOrSizes()
    {
        var x = new TensorType(DataType.Float32, Shape.Of(1, 1, 2, 4));
        var scales = new TensorType(DataType.Float32, Shape.Of(4L));
        Assert.Equal("f32[1,1,4,6]", Infer("Resize", [x, null, scales], [null, null, F([1, 1, 2, 1.5f], 4)], 19)!.ToString());
        Assert.Equal("f32[1,1,3,3]", Infer("Resize", [x, null, null, Shape1], [null, null, null, Vec(3, 3)], 19,
            Attribute.Of("axes", new long[] { 2, 3 }))!.ToString());
        Assert.Equal("f32[?,?,?,?]", Infer("Resize", [x, null, scales], [], 19)!.ToString());
    }
}
