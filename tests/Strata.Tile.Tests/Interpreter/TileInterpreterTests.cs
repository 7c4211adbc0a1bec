using System.Collections.Immutable;
using CsCheck;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Tests.Interpreter;

public class TileInterpreterTests
{
    [Fact]
    public void MatMul_matches_reference()
    {
        var r = new Random(1);
        var x = Reference.RandomF32(r, 5, 7);
        var w = Reference.RandomF32(r, 7, 3);
        var got = TileInterpreter.Run(SampleKernels.MatMul(5, 7, 3), [x, w]);
        Assert.Single(got);
        Reference.AssertClose(Reference.Run((g, v) => g.MatMul(v[0], v[1]), x, w), got[0]);
    }

    [Fact]
    public void MatMul_random_shapes_match_reference() =>
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 6], Gen.Int[1, 6], Gen.Int).Sample((m, k, n, seed) =>
        {
            var r = new Random(seed);
            var x = Reference.RandomF32(r, m, k);
            var w = Reference.RandomF32(r, k, n);
            var got = TileInterpreter.Run(SampleKernels.MatMul(m, k, n), [x, w])[0];
            Reference.AssertClose(Reference.Run((g, v) => g.MatMul(v[0], v[1]), x, w), got);
        }, iter: 40);

    [Fact]
    public void Int32_matmul_wraps_like_reference()
    {
        var x = Tensor<int>.FromArray([int.MaxValue, 2, 3, -4], 2, 2);
        var w = Tensor<int>.FromArray([2, 1, 1, 5], 2, 2);
        var got = TileInterpreter.Run(SampleKernels.MatMul(2, 2, 2, DataType.Int32), [x, w])[0];
        Reference.AssertEqual(Reference.Run((g, v) => g.MatMul(v[0], v[1]), x, w), got);
    }

    [Fact]
    public void Softmax_matches_reference()
    {
        var x = Reference.RandomF32(new Random(2), 4, 9);
        var got = TileInterpreter.Run(SampleKernels.Softmax(4, 9), [x])[0];
        Reference.AssertClose(Reference.Run((g, v) => g.Softmax(v[0], axis: -1), x), got, 1e-6);
    }

    [Fact]
    public void Transpose_reshape_view_matches_reference_exactly()
    {
        var x = Reference.RandomF32(new Random(3), 2, 3, 4);
        var got = TileInterpreter.Run(SampleKernels.TransposeReshape(), [x])[0];
        Reference.AssertEqual(Reference.Run((g, v) => g.Reshape(g.Transpose(v[0], 2, 0, 1), 8, 3), x), got);
    }

    [Fact]
    public void Padded_load_under_select_matches_reference()
    {
        var x = Reference.RandomF32(new Random(4), 3, 4);
        var got = TileInterpreter.Run(SampleKernels.Pad(3, 4, 0.5f), [x])[0];
        var expected = Reference.Run((g, v) => g.Op("Pad", [v[0], g.Constant(1, 1, 1, 1), g.Scalar(0.5)]), x);
        Reference.AssertEqual(expected, got);
    }

    [Fact]
    public void ArgMax_matches_reference_with_ties()
    {
        var x = Reference.RandomSmallF32(new Random(5), 6, 7);
        var got = TileInterpreter.Run(SampleKernels.ArgMax(6, 7), [x])[0];
        Assert.Equal(DataType.Int64, got.DataType);
        Reference.AssertEqual(Reference.Run((g, v) => g.ArgMax(v[0], axis: 1, keepdims: false), x), got);
    }

    [Fact]
    public void ArgMaxLast_takes_the_last_tie()
    {
        var x = Tensor<float>.FromArray([1, 3, 3, 2, 5, 5, 5, 0], 2, 4);
        var got = (Tensor<long>)TileInterpreter.Run(SampleKernels.ArgMax(2, 4, ReduceOp.ArgMaxLast), [x])[0];
        Assert.Equal([2L, 2L], got.ToArray());
        var first = (Tensor<long>)TileInterpreter.Run(SampleKernels.ArgMax(2, 4, ReduceOp.ArgMax), [x])[0];
        Assert.Equal([1L, 0L], first.ToArray());
    }

    [Fact]
    public void Mlp_matches_reference()
    {
        var r = new Random(6);
        var x = Reference.RandomF32(r, 3, 5);
        var w = Reference.RandomF32(r, 5, 4);
        var b = Reference.RandomF32(r, 4);
        var got = TileInterpreter.Run(SampleKernels.Mlp(3, 5, 4), [x, w, b])[0];
        Reference.AssertClose(Reference.Run((g, v) => g.Gelu(g.Add(g.MatMul(v[0], v[1]), v[2])), x, w, b), got);
    }

    [Fact]
    public void Unguarded_out_of_range_load_names_kernel_buffer_and_indices()
    {
        // out[i] = x[i + 1] over i in [0, 4): the last element reads x[4].
        var k = new TileKernel("shift",
            [new TileBuffer("x", DataType.Float32, [4], BufferRole.Input)],
            [new TileBuffer("out", DataType.Float32, [4], BufferRole.Output)], [],
            [new Axis("i", 4)],
            [new Computation("out", ["i"], null, new Load("x", [Expr.Var("i") + 1], DataType.Float32))]);
        var e = Assert.Throws<StrataException>(() => TileInterpreter.Run(k, [Tensor<float>.FromArray([1, 2, 3, 4], 4)]));
        Assert.Equal(ErrorCode.IndexOutOfRange, e.Code);
        Assert.Contains("@shift", e.Message);
        Assert.Contains("%x[4]", e.Message);
        Assert.Contains("i = 3", e.Message);
    }

    [Fact]
    public void Select_evaluates_only_the_chosen_branch()
    {
        // out[i] = i < 3 ? x[i + 1] : x[i + 100]: both loads would be out of range somewhere, neither is where chosen.
        var i = Expr.Var("i");
        var k = new TileKernel("guarded",
            [new TileBuffer("x", DataType.Float32, [4], BufferRole.Input)],
            [new TileBuffer("out", DataType.Float32, [4], BufferRole.Output)], [],
            [new Axis("i", 4)],
            [new Computation("out", ["i"], null, new Select(new Binary(BinaryOp.Lt, i, Expr.Index(3)),
                new Load("x", [i + 1], DataType.Float32), new Load("x", [i - 3], DataType.Float32)))]);
        var got = (Tensor<float>)TileInterpreter.Run(k, [Tensor<float>.FromArray([1, 2, 3, 4], 4)])[0];
        Assert.Equal([2f, 3f, 4f, 1f], got.ToArray());
    }

    [Fact]
    public void Empty_reduction_gives_the_identity()
    {
        var got = (Tensor<float>)TileInterpreter.Run(SampleKernels.MatMul(2, 0, 2), [new Tensor<float>([2, 0]), new Tensor<float>([0, 2])])[0];
        Assert.Equal([0f, 0f, 0f, 0f], got.ToArray());
    }

    [Fact]
    public void Casts_and_integer_index_arithmetic_follow_scalar_semantics()
    {
        // out[i] = cast<f32>(i floordiv 2) + cast<f32>(x[i]) with x: i32.
        var i = Expr.Var("i");
        var k = new TileKernel("cast",
            [new TileBuffer("x", DataType.Int32, [4], BufferRole.Input)],
            [new TileBuffer("out", DataType.Float32, [4], BufferRole.Output)], [],
            [new Axis("i", 4)],
            [new Computation("out", ["i"], null, new Binary(BinaryOp.Add,
                new Cast(new Binary(BinaryOp.FloorDiv, i, Expr.Index(2)), DataType.Float32),
                new Cast(new Load("x", [i], DataType.Int32), DataType.Float32)))]);
        var got = (Tensor<float>)TileInterpreter.Run(k, [Tensor<int>.FromArray([10, 20, 30, 40], 4)])[0];
        Assert.Equal([10f, 20f, 31f, 41f], got.ToArray());
    }

    [Fact]
    public void Wrong_input_count_dtype_or_shape_is_a_clear_error()
    {
        var k = SampleKernels.MatMul(2, 3, 4);
        var x = new Tensor<float>([2, 3]);
        var w = new Tensor<float>([3, 4]);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<StrataException>(() => TileInterpreter.Run(k, [x])).Code);
        var e = Assert.Throws<StrataException>(() => TileInterpreter.Run(k, [x, new Tensor<double>([3, 4])]));
        Assert.Equal(ErrorCode.InputTypeMismatch, e.Code);
        Assert.Contains("%w", e.Message);
        e = Assert.Throws<StrataException>(() => TileInterpreter.Run(k, [new Tensor<float>([3, 2]), w]));
        Assert.Equal(ErrorCode.InputShapeMismatch, e.Code);
        Assert.Contains("[2,3]", e.Message);
    }

    [Fact]
    public void Index_variable_out_of_scope_is_invalid_ir()
    {
        var k = new TileKernel("scope",
            [new TileBuffer("x", DataType.Float32, [4], BufferRole.Input)],
            [new TileBuffer("out", DataType.Float32, [4], BufferRole.Output)], [],
            [new Axis("i", 4), new Axis("j", 4)],
            [new Computation("out", ["i"], null, new Load("x", [Expr.Var("j")], DataType.Float32))]);
        var e = Assert.Throws<StrataException>(() => TileInterpreter.Run(k, [new Tensor<float>([4])]));
        Assert.Equal(ErrorCode.InvalidIr, e.Code);
        Assert.Contains("j", e.Message);
    }

    [Fact]
    public void Temps_are_private_and_computations_run_in_order()
    {
        // t[i] = x[i] * 2; out[i] = t[3 - i] + 1
        var i = Expr.Var("i");
        var j = Expr.Var("j");
        var k = new TileKernel("order",
            [new TileBuffer("x", DataType.Float32, [4], BufferRole.Input)],
            [new TileBuffer("out", DataType.Float32, [4], BufferRole.Output)],
            [new TileBuffer("t", DataType.Float32, [4], BufferRole.Temp)],
            [new Axis("i", 4), new Axis("j", 4)],
            [
                new Computation("t", ["i"], null, new Binary(BinaryOp.Mul, new Load("x", [i], DataType.Float32), Constant.Of(2, DataType.Float32))),
                new Computation("out", ["j"], null, new Binary(BinaryOp.Add, new Load("t", [Expr.Index(3) - j], DataType.Float32), Constant.Of(1, DataType.Float32))),
            ]);
        var got = (Tensor<float>)TileInterpreter.Run(k, [Tensor<float>.FromArray([1, 2, 3, 4], 4)])[0];
        Assert.Equal([9f, 7f, 5f, 3f], got.ToArray());
    }
}

public class TileInterpreterErrorTests
{
    [Fact]
    public void Scalar_op_undefined_on_a_type_is_reported_with_the_kernel()
    {
        var k = new TileKernel("bad",
            [new TileBuffer("x", DataType.Int32, [2], BufferRole.Input)],
            [new TileBuffer("out", DataType.Int32, [2], BufferRole.Output)], [],
            [new Axis("i", 2)],
            [new Computation("out", ["i"], null, new Unary(UnaryOp.Exp, new Load("x", [Expr.Var("i")], DataType.Int32)))]);
        var e = Assert.Throws<StrataException>(() => TileInterpreter.Run(k, [new Tensor<int>([2])]));
        Assert.Equal(ErrorCode.NotImplemented, e.Code);
        Assert.Equal("tile kernel @bad: computation of %out", e.Location);
    }
}
