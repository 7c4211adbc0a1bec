using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Cast.CastHarness;

namespace Strata.Graph.Tests.Ops.Cast;

public class QuantizeLinearTests
{
    [Fact]
    public void PerTensorRoundsHalfToEvenAndClamps()
    {
        var x = T(0f, 1f, 2.5f, 3.5f, -1.5f, -0.5f, 1000f, -1000f);
        var y = (Tensor<byte>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f), Tensor<byte>.Scalar(128)]);
        Assert.Equal([128, 129, 130, 132, 126, 128, 255, 0], y.ToArray().Select(v => (int)v));
        var s = (Tensor<sbyte>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(0.5f), Tensor<sbyte>.Scalar(-1)]);
        Assert.Equal([-1, 1, 4, 6, -4, -2, 127, -128], s.ToArray().Select(v => (int)v));
    }

    [Fact]
    public void DefaultOutputIsUint8AndOutputDtypeSelectsTheType()
    {
        var x = T(-1f, 3f, 300f);
        Assert.Equal([0, 3, 255], ((Tensor<byte>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f)])).ToArray().Select(v => (int)v));
        var i4 = (Tensor<Int4>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f)], Attribute.Of("output_dtype", (long)DataType.Int4));
        Assert.Equal([-1, 3, 7], i4.ToArray().Select(v => (int)v.Value));
        Assert.Throws<StrataException>(() => Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f), Tensor<byte>.Scalar(0)],
            Attribute.Of("output_dtype", (long)DataType.Int8)));
        Assert.Throws<StrataException>(() => Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f)], Attribute.Of("output_dtype", (long)DataType.Int32)));
    }

    [Fact]
    public void Float8TargetsRoundAndSaturate()
    {
        var x = T(0f, 0.5f, 1000f, -1000f, 2.9f);
        var y = (Tensor<Float8E4M3FN>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(2f), new Tensor<Float8E4M3FN>([1])]);
        Assert.Equal([0f, 0.25f, 448f, -448f, 1.5f], y.ToArray().Select(v => (float)v));
        var n = (Tensor<Float8E4M3FN>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f), new Tensor<Float8E4M3FN>([1])], Attribute.Of("saturate", 0L));
        Assert.True(float.IsNaN((float)n[2]));
        var f4 = (Tensor<Float4E2M1>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f), new Tensor<Float4E2M1>([1])]);
        Assert.Equal([0f, 0.5f, 6f, -6f, 3f], f4.ToArray().Select(v => (float)v));
    }

    [Fact]
    public void DivisionHappensInTheScalesPrecision()
    {
        // 2.5 + 2^-10 is a float32 value; in float16 (spacing 2^-9 near 2.5) the quotient ties back to 2.5, which
        // then rounds half to even to 2, while in float32 it rounds to 3.
        var x = T(2.5009765625f);
        Assert.Equal(3, ((Tensor<byte>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f)]))[0]);
        Assert.Equal(2, ((Tensor<byte>)Run("QuantizeLinear", [x, Tensor<Half>.Scalar((Half)1f)]))[0]);
        Assert.Equal(2, ((Tensor<byte>)Run("QuantizeLinear", [x, Tensor<float>.Scalar(1f)], Attribute.Of("precision", (long)DataType.Float16)))[0]);
        Assert.Equal(3, ((Tensor<byte>)Run("QuantizeLinear", [x, Tensor<Half>.Scalar((Half)1f)], Attribute.Of("precision", (long)DataType.Float32)))[0]);
    }

    private sealed record Layout(int[] Shape, int Axis, int Block, int Seed);

    private static readonly Gen<Layout> Layouts =
        from rank in Gen.Int[1, 4]
        from dims in Gen.Int[1, 5].Array[rank]
        from axis in Gen.Int[0, rank - 1]
        from block in Gen.Int[0, 3]
        from seed in Gen.Int[0, 1 << 20]
        select new Layout(dims, axis, block, seed);

    /// <summary>The scale's shape for a layout: 1-D along the axis, or blocked.</summary>
    private static int[] ScaleShape(Layout l) => l.Block == 0
        ? [l.Shape[l.Axis]]
        : l.Shape.Select((d, i) => i == l.Axis ? (d + l.Block - 1) / l.Block : d).ToArray();

    /// <summary>Multi-index arithmetic, independent of the op: the scale element for element <paramref name="flat"/>.</summary>
    private static int ScaleIndex(Layout l, int flat)
    {
        var idx = new int[l.Shape.Length];
        for (int d = l.Shape.Length - 1; d >= 0; d--) { idx[d] = flat % l.Shape[d]; flat /= l.Shape[d]; }
        if (l.Block == 0) return idx[l.Axis];
        var ss = ScaleShape(l);
        int p = 0;
        for (int d = 0; d < ss.Length; d++) p = p * ss[d] + (d == l.Axis ? idx[d] / l.Block : idx[d]);
        return p;
    }

    [Fact]
    public void PerAxisAndBlockedMatchMultiIndexArithmetic() =>
        Layouts.Sample(l =>
        {
            var rng = new Random(l.Seed);
            int n = l.Shape.Aggregate(1, (a, b) => a * b);
            var ss = ScaleShape(l);
            int m = ss.Aggregate(1, (a, b) => a * b);
            var x = new Tensor<float>(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray(), l.Shape);
            var scale = new Tensor<float>(Enumerable.Range(0, m).Select(_ => (float)(rng.NextDouble() + 0.25)).ToArray(), ss);
            var zero = new Tensor<short>(Enumerable.Range(0, m).Select(_ => (short)rng.Next(-50, 50)).ToArray(), ss);
            var attrs = new List<Attribute> { Attribute.Of("axis", (long)l.Axis - (l.Seed % 2 == 0 ? 0 : l.Shape.Length)) };
            if (l.Block > 0) attrs.Add(Attribute.Of("block_size", (long)l.Block));
            var q = (Tensor<short>)Run("QuantizeLinear", [x, scale, zero], [.. attrs]);
            var back = (Tensor<float>)Run("DequantizeLinear", [q, scale, zero], [.. attrs]);
            for (int i = 0; i < n; i++)
            {
                int p = ScaleIndex(l, i);
                float quotient = x[i] / scale[p];
                Assert.Equal((short)(Math.Round(quotient, MidpointRounding.ToEven) + zero[p]), q[i]);
                Assert.Equal((float)((q[i] - zero[p]) * (double)scale[p]), back[i]);
                Assert.True(Math.Abs(back[i] - x[i]) <= scale[p] * 0.5 + 1e-4);
            }
        }, iter: 300);

    [Fact]
    public void BadScaleShapesAreErrors()
    {
        var x = new Tensor<float>([2, 6]);
        Assert.Throws<StrataException>(() => Run("QuantizeLinear", [x, new Tensor<float>([5])]));
        Assert.Throws<StrataException>(() => Run("QuantizeLinear", [x, new Tensor<float>([2, 2])], Attribute.Of("block_size", 2L)));
        Assert.Throws<StrataException>(() => Run("DequantizeLinear", [new Tensor<byte>([2, 6]), new Tensor<float>([6]), new Tensor<byte>([5])],
            Attribute.Of("axis", 1L)));
    }

    [Fact]
    public void DequantizeTypes()
    {
        var y = (Tensor<Half>)Run("DequantizeLinear", [T(new Int4(-8), new Int4(7)), Tensor<Half>.Scalar((Half)0.5f), T(new Int4(1))]);
        Assert.Equal([-4.5f, 3f], y.ToArray().Select(h => (float)h));
        var b = (Tensor<BFloat16>)Run("DequantizeLinear", [T(100, -3), Tensor<float>.Scalar(2f)], Attribute.Of("output_dtype", (long)DataType.BFloat16));
        Assert.Equal([200f, -6f], b.ToArray().Select(v => (float)v));
        var f8 = (Tensor<float>)Run("DequantizeLinear", [T(new Float8E5M2(0x3C)), Tensor<float>.Scalar(3f)]);
        Assert.Equal(3f, f8[0]);
        var e8 = (Tensor<float>)Run("DequantizeLinear", [T((byte)10), Tensor<Float8E8M0>.Scalar(new Float8E8M0(0x80))], Attribute.Of("output_dtype", 1L));
        Assert.Equal(20f, e8[0]);
    }

    [Fact]
    public void Inference()
    {
        var x = new TensorType(DataType.Float32, Shape.Of([Dim.Sym("n"), Dim.Of(4)]));
        var s = new TensorType(DataType.Float32, Shape.Scalar);
        Assert.Equal(new TensorType(DataType.UInt8, x.Shape), Infer("QuantizeLinear", [x, s], 1)[0]);
        Assert.Equal(new TensorType(DataType.Int4, x.Shape), Infer("QuantizeLinear", [x, s, new TensorType(DataType.Int4, Shape.Scalar)], 1)[0]);
        Assert.Equal(new TensorType(DataType.Int16, x.Shape), Infer("QuantizeLinear", [x, s], 1, Attribute.Of("output_dtype", (long)DataType.Int16))[0]);
        var q = new TensorType(DataType.Int8, x.Shape);
        Assert.Equal(new TensorType(DataType.Float16, x.Shape), Infer("DequantizeLinear", [q, new TensorType(DataType.Float16, Shape.Scalar)], 1)[0]);
        Assert.Equal(new TensorType(DataType.BFloat16, x.Shape), Infer("DequantizeLinear", [q, s], 1, Attribute.Of("output_dtype", (long)DataType.BFloat16))[0]);
    }

    [Fact]
    public void DynamicQuantizeLinearMatchesTheSpecFormula() =>
        Gen.Float[-10, 10].Array[1, 40].Sample(values =>
        {
            var outs = RunAll("DynamicQuantizeLinear", [T(values)], 3);
            var y = ((Tensor<byte>)outs[0]).ToArray();
            float scale = ((Tensor<float>)outs[1])[0];
            byte zp = ((Tensor<byte>)outs[2])[0];
            float min = Math.Min(0, values.Min()), max = Math.Max(0, values.Max());
            Assert.Equal((max == min ? 1f : max - min) / 255f, scale);
            Assert.Equal((byte)Math.Clamp(Math.Round(-min / scale, MidpointRounding.ToEven), 0, 255), zp);
            for (int i = 0; i < values.Length; i++)
                Assert.Equal((byte)Math.Clamp(Math.Round(values[i] / scale, MidpointRounding.ToEven) + zp, 0, 255), y[i]);
        });

    [Fact]
    public void DynamicQuantizeLinearSpecExample()
    {
        var outs = RunAll("DynamicQuantizeLinear", [T(0f, 2f, -3f, -2.5f, 1.34f, 0.5f)], 3);
        Assert.Equal([153, 255, 0, 26, 221, 179], ((Tensor<byte>)outs[0]).ToArray().Select(v => (int)v));
        Assert.Equal(0.0196078438f, ((Tensor<float>)outs[1])[0]);
        Assert.Equal(153, ((Tensor<byte>)outs[2])[0]);
    }
}
