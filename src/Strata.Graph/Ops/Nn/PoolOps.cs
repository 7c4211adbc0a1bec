using System.Numerics;
using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Pooling: MaxPool (with optional Indices output, storage_order), AveragePool (count_include_pad),
/// LpPool, and the global variants. Windows come from <see cref="WindowGeometry"/> (pads, auto_pad, strides,
/// dilations, ceil_mode); only taps inside the input take part, except that AveragePool with
/// <c>count_include_pad</c> divides by the taps inside input plus padding.</summary>
internal static class PoolOps
{
    public static IEnumerable<OpSchema> Schemas =>
    [
        new("", "MaxPool", c => InferWindowed(c, withIndices: true), MaxPool),
        new("", "AveragePool", c => InferWindowed(c, withIndices: false), c => [AverageOrLp(c, lp: false)]),
        new("", "LpPool", c => InferWindowed(c, withIndices: false), c => [AverageOrLp(c, lp: true)]),
        new("", "GlobalAveragePool", c => [InferGlobal(c)], c => [Global(c, GlobalKind.Average)]),
        new("", "GlobalMaxPool", c => [InferGlobal(c)], c => [Global(c, GlobalKind.Max)]),
        new("", "GlobalLpPool", c => [InferGlobal(c)], c => [Global(c, GlobalKind.Lp)]),
    ];

    private static Core.ValueType?[] InferWindowed(InferenceContext c, bool withIndices)
    {
        var x = c.InputTensor(0);
        if (x is null) return [null, null];
        TensorType y;
        if (x.Shape is null) y = new TensorType(x.ElementType, null);
        else
        {
            int rank = x.Shape.Rank - 2;
            if (rank < 1) throw c.Error(ErrorCode.ShapeMismatch, $"{c.Node.OpType} input must have rank >= 3, got {x.Shape}");
            var a = WindowGeometry.Read(c.Node, rank, null, (code, msg) => c.Error(code, msg));
            y = new TensorType(x.ElementType,
                Shape.Of([x.Shape[0], x.Shape[1], .. WindowGeometry.InferOutput(Shape.Of(x.Shape.Dims.Skip(2)), a)]));
        }
        return withIndices ? [y, y with { ElementType = DataType.Int64 }] : [y];
    }

    private static TensorType? InferGlobal(InferenceContext c)
    {
        var x = c.InputTensor(0);
        if (x?.Shape is null) return x;
        if (x.Shape.Rank < 2) throw c.Error(ErrorCode.ShapeMismatch, $"{c.Node.OpType} input must have rank >= 2, got {x.Shape}");
        return new TensorType(x.ElementType, Shape.Of([x.Shape[0], x.Shape[1], .. Enumerable.Repeat(Dim.Of(1), x.Shape.Rank - 2)]));
    }

    private static WindowGeometry Geometry(OpContext ctx, Tensor x)
    {
        if (x.Rank < 3) throw ctx.Error(ErrorCode.ShapeMismatch, $"{ctx.Node.OpType} input must have rank >= 3, got {ShapeMath.Format(x.Shape)}");
        var a = WindowGeometry.Read(ctx.Node, x.Rank - 2, null, (code, msg) => ctx.Error(code, msg));
        if (ctx.Node.OpType == "AveragePool" && ctx.Opset < 19 && ctx.HasAttr("dilations") && a.Dilations.Any(d => d != 1))
            throw ctx.Error(ErrorCode.InvalidAttribute, "AveragePool has dilations only since opset 19");
        return WindowGeometry.Create(x.Shape[2..], a);
    }

    private static RuntimeValue?[] MaxPool(OpContext ctx)
    {
        var x = ctx.Input(0);
        return x.DataType switch
        {
            DataType.Float32 => MaxPool<float>(ctx, x),
            DataType.Float64 => MaxPool<double>(ctx, x),
            DataType.Float16 => MaxPool<Half>(ctx, x),
            DataType.Int8 => MaxPool<sbyte>(ctx, x),
            DataType.UInt8 => MaxPool<byte>(ctx, x),
            DataType.BFloat16 => MaxPoolViaFloat(ctx, x),
            _ => throw ctx.Error(ErrorCode.UnsupportedDataType, $"MaxPool does not support {x.DataType.ShortName()}"),
        };
    }

    private static RuntimeValue?[] MaxPoolViaFloat(OpContext ctx, Tensor x)
    {
        var wide = new Tensor<float>(FloatBuffers.Copy<float>(x), x.Shape);
        var r = MaxPool<float>(ctx, wide);
        var y = (Tensor<float>)r[0]!;
        return [FloatBuffers.Write(x.DataType, y.ToArray(), y.Shape), r[1]];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RuntimeValue?[] MaxPool<T>(OpContext ctx, Tensor xt) where T : unmanaged, INumber<T>
    {
        var g = Geometry(ctx, xt);
        var w = new PoolWindows(g);
        bool columnMajor = ctx.Int("storage_order", 0) != 0;
        bool wantIndices = ctx.HasOutput(1);
        int nc = xt.Shape[0] * xt.Shape[1];
        var x = ((Tensor<T>)xt).Span;
        var y = new Tensor<T>([xt.Shape[0], xt.Shape[1], .. g.Output]);
        var ys = y.Span;
        var indices = wantIndices ? new Tensor<long>(y.Shape) : null;
        var offsets = new int[w.MaxTaps];
        var coords = new int[g.Rank];
        var inStrides = ShapeMath.Strides(g.Input);
        for (int i = 0; i < nc; i++)
        {
            var img = x.Slice(i * w.InputSize, w.InputSize);
            for (int o = 0; o < w.OutputSize; o++)
            {
                int n = w.Taps(o, offsets, coords, out _);
                int best = -1;
                T bestValue = T.Zero;
                for (int t = 0; t < n; t++)
                {
                    T v = img[offsets[t]];
                    if (best < 0 || v > bestValue) { bestValue = v; best = offsets[t]; }
                }
                ys[i * w.OutputSize + o] = bestValue;
                if (indices is not null)
                {
                    long idx = best < 0 ? -1 : best;
                    if (best >= 0 && columnMajor) idx = ColumnMajor(best, g.Input, inStrides);
                    indices.Span[i * w.OutputSize + o] = best < 0 ? -1 : (long)i * w.InputSize + idx;
                }
            }
        }
        return [y, indices];
    }

    /// <summary>The column-major (first dim fastest) flat index of the element at row-major offset <paramref name="flat"/>.</summary>
    private static long ColumnMajor(int flat, int[] dims, int[] strides)
    {
        long r = 0, scale = 1;
        for (int d = 0; d < dims.Length; d++)
        {
            r += (flat / strides[d] % dims[d]) * scale;
            scale *= dims[d];
        }
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor AverageOrLp(OpContext ctx, bool lp)
    {
        var xt = ctx.Input(0);
        if (!FloatBuffers.IsSupported(xt.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"{ctx.Node.OpType} does not support {xt.DataType.ShortName()}");
        var g = Geometry(ctx, xt);
        var w = new PoolWindows(g);
        bool includePad = ctx.Int("count_include_pad", 0) != 0;
        double p = LpExponent(ctx);
        int nc = xt.Shape[0] * xt.Shape[1];
        var x = FloatBuffers.Read<double>(xt).Span;
        var y = new double[nc * w.OutputSize];
        var offsets = new int[w.MaxTaps];
        var coords = new int[g.Rank];
        for (int i = 0; i < nc; i++)
        {
            var img = x.Slice(i * w.InputSize, w.InputSize);
            for (int o = 0; o < w.OutputSize; o++)
            {
                int n = w.Taps(o, offsets, coords, out int padded);
                double s = 0;
                if (lp)
                {
                    for (int t = 0; t < n; t++) s += LpTerm(img[offsets[t]], p);
                    y[i * w.OutputSize + o] = LpRoot(s, p);
                }
                else
                {
                    for (int t = 0; t < n; t++) s += img[offsets[t]];
                    int divisor = includePad ? padded : n;
                    y[i * w.OutputSize + o] = divisor == 0 ? double.NaN : s / divisor;
                }
            }
        }
        return FloatBuffers.Write(xt.DataType, y, [xt.Shape[0], xt.Shape[1], .. g.Output]);
    }

    /// <summary>LpPool's p: a float attribute in opset 1, an int since opset 2.</summary>
    private static double LpExponent(OpContext ctx) =>
        ctx.Node.Attr("p") is { Kind: AttributeKind.Float } a ? a.AsFloat() : ctx.Int("p", 2);

    private static double LpTerm(double v, double p) => p == 2 ? v * v : p == 1 ? Math.Abs(v) : Math.Pow(Math.Abs(v), p);
    private static double LpRoot(double s, double p) => p == 2 ? Math.Sqrt(s) : p == 1 ? s : Math.Pow(s, 1 / p);

    private enum GlobalKind { Average, Max, Lp }

    private static Tensor Global(OpContext ctx, GlobalKind kind)
    {
        var xt = ctx.Input(0);
        if (!FloatBuffers.IsSupported(xt.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"{ctx.Node.OpType} does not support {xt.DataType.ShortName()}");
        if (xt.Rank < 2) throw ctx.Error(ErrorCode.ShapeMismatch, $"{ctx.Node.OpType} input must have rank >= 2");
        int nc = xt.Shape[0] * xt.Shape[1];
        int size = ShapeMath.Size(xt.Shape.AsSpan(2));
        double p = LpExponent(ctx);
        var x = FloatBuffers.Read<double>(xt).Span;
        var y = new double[nc];
        for (int i = 0; i < nc; i++)
        {
            var img = x.Slice(i * size, size);
            double r;
            switch (kind)
            {
                case GlobalKind.Max:
                    r = size == 0 ? double.NaN : double.NegativeInfinity;
                    foreach (var v in img) if (v > r || double.IsNaN(v)) r = v;
                    break;
                case GlobalKind.Lp:
                    r = 0;
                    foreach (var v in img) r += LpTerm(v, p);
                    r = LpRoot(r, p);
                    break;
                default:
                    r = 0;
                    foreach (var v in img) r += v;
                    r /= size;
                    break;
            }
            y[i] = r;
        }
        return FloatBuffers.Write(xt.DataType, y, [xt.Shape[0], xt.Shape[1], .. Enumerable.Repeat(1, xt.Rank - 2)]);
    }
}
