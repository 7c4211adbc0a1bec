using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Ops that make new tensors from attributes or small inputs: Constant, ConstantOfShape, EyeLike, Range, OneHot.</summary>
internal static class GeneratorOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Constant", c => ConstantValue(c.Node).Type, c => ConstantValue(c.Node)));
        registry.AddOp(OpSchema.Unary("ConstantOfShape", InferConstantOfShape, c =>
            TensorCopy.Fill(FillValue(c.Node), TensorArgs.Dims(TensorArgs.Ints(c.Input(0)), "ConstantOfShape shape"))));
        registry.AddOp(OpSchema.Unary("EyeLike", InferEyeLike, EyeLike));
        registry.AddOp(OpSchema.Unary("Range", InferRange, Range));
        registry.AddOp(OpSchema.Unary("OneHot", InferOneHot, OneHot));
    }

    /// <summary>The value of a Constant node, from whichever one of its value attributes is set.</summary>
    private static Tensor ConstantValue(Node node)
    {
        if (node.Attr("value") is { } v) return v.AsTensor();
        if (node.Attr("value_float") is { } f) return Tensor<float>.Scalar(f.AsFloat());
        if (node.Attr("value_floats") is { } fs) return Vector(fs.AsFloats());
        if (node.Attr("value_int") is { } i) return Tensor<long>.Scalar(i.AsInt());
        if (node.Attr("value_ints") is { } ints) return Vector(ints.AsInts());
        if (node.Attr("value_string") is { } s) return Tensor<string>.Scalar(s.AsString());
        if (node.Attr("value_strings") is { } ss) return Vector(ss.AsStrings());
        if (node.Attr("sparse_value") is not null)
            throw new StrataException(ErrorCode.NotImplemented, "Constant with sparse_value is not supported", "store the constant densely (value)");
        throw new StrataException(ErrorCode.InvalidAttribute, "Constant has no value attribute", "set one of value, value_float(s), value_int(s), value_string(s)");
    }

    private static Tensor<T> Vector<T>(T[] data) => new((T[])data.Clone(), [data.Length]);

    /// <summary>ConstantOfShape's fill: the one-element <c>value</c> attribute, or float32 zero.</summary>
    private static Tensor FillValue(Node node) => node.Attr("value")?.AsTensor() ?? Tensor<float>.Scalar(0f);

    private static TensorType InferConstantOfShape(InferenceContext c)
    {
        var et = FillValue(c.Node).DataType;
        if (TensorArgs.ConstInts(c, 0) is { } dims) return new TensorType(et, Shape.Of(dims));
        return TensorArgs.UnknownDims(et, c.InputShape(0) is [var n] ? n : null);
    }

    private static DataType EyeLikeType(Node node, DataType? input) =>
        node.Attr("dtype") is { } d ? (DataType)d.AsInt() : input ?? DataType.Undefined;

    private static Tensor EyeLike(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 2) throw c.Error(ErrorCode.InvalidShape, $"EyeLike needs a 2-d input, got {ShapeMath.Format(x.Shape)}");
        long k = c.Int("k", 0);
        var zeroOne = TensorConvert.FromDoubles(EyeLikeType(c.Node, x.DataType), [0, 1], [2]);
        int rows = x.Shape[0], cols = x.Shape[1];
        var map = new int[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                map[i * cols + j] = j - i == k ? 1 : 0;
        return TensorCopy.Take(zeroOne, map, x.Shape);
    }

    private static TensorType? InferEyeLike(InferenceContext c)
    {
        var et = EyeLikeType(c.Node, c.InputElementType(0));
        return et == DataType.Undefined ? null : new TensorType(et, TensorArgs.StaticShape(c, 0));
    }

    /// <summary>Range: <c>start + i·delta</c> for i in [0, max(ceil((limit - start) / delta), 0)).</summary>
    private static Tensor Range(OpContext c)
    {
        var start = c.Input(0);
        var limit = c.Input(1);
        var delta = c.Input(2);
        if (start.Length != 1 || limit.Length != 1 || delta.Length != 1)
            throw c.Error(ErrorCode.InvalidShape, "start, limit and delta must be scalars");
        if (limit.DataType != start.DataType || delta.DataType != start.DataType)
            throw c.Error(ErrorCode.TypeMismatch, "start, limit and delta must have the same element type");
        return NumericDispatch.Invoke<RangeFunc, Tensor>(start.DataType, new RangeFunc(start, limit, delta));
    }

    private readonly struct RangeFunc(Tensor start, Tensor limit, Tensor delta) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            T s = start.As<T>()[0], l = limit.As<T>()[0], d = delta.As<T>()[0];
            if (T.IsZero(d)) throw new StrataException(ErrorCode.InvalidArgument, "Range delta is 0", "use a non-zero delta");
            long n;
            if (typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half))
                n = (long)Math.Ceiling((double.CreateTruncating(l) - double.CreateTruncating(s)) / double.CreateTruncating(d));
            else
            {
                // Exact integer ceil((l - s) / d).
                Int128 diff = Int128.CreateTruncating(l) - Int128.CreateTruncating(s), step = Int128.CreateTruncating(d);
                Int128 q = diff / step;
                if (q * step != diff && (diff > 0) == (step > 0)) q++;
                n = (long)Int128.Clamp(q, 0, int.MaxValue);
            }
            var r = new T[Math.Max(n, 0)];
            for (int i = 0; i < r.Length; i++) r[i] = s + T.CreateTruncating(i) * d;
            return new Tensor<T>(r, [r.Length]);
        }

        // bfloat16: compute in double.
        public Tensor InvokeOther()
        {
            double s = TensorConvert.ToDoubles(start)[0], l = TensorConvert.ToDoubles(limit)[0], d = TensorConvert.ToDoubles(delta)[0];
            if (d == 0) throw new StrataException(ErrorCode.InvalidArgument, "Range delta is 0", "use a non-zero delta");
            var r = new double[(int)Math.Max(Math.Ceiling((l - s) / d), 0)];
            for (int i = 0; i < r.Length; i++) r[i] = s + i * d;
            return TensorConvert.FromDoubles(start.DataType, r, [r.Length]);
        }
    }

    private static TensorType? InferRange(InferenceContext c) =>
        c.InputElementType(0) is { } et ? TensorArgs.UnknownDims(et, 1) : null;

    /// <summary>OneHot: <c>values[1]</c> where the inserted axis position equals the index (negative indices count
    /// from <c>depth</c>), <c>values[0]</c> elsewhere.</summary>
    private static Tensor OneHot(OpContext c)
    {
        var indices = c.Input(0);
        long depth = (long)TensorConvert.ToDoubles(c.Input(1))[0];
        var values = c.Input(2);
        if (values.Length != 2) throw c.Error(ErrorCode.InvalidShape, $"values must hold [off, on], got {values.Length} elements");
        if (depth < 1) throw c.Error(ErrorCode.InvalidArgument, $"depth must be positive, got {depth}");
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", -1), indices.Rank + 1);
        var idx = TensorConvert.ToDoubles(indices);
        int outer = ShapeMath.Size(indices.Shape.AsSpan(0, axis)), inner = ShapeMath.Size(indices.Shape.AsSpan(axis));
        int d = checked((int)depth);
        var map = new int[checked(outer * d * inner)];
        for (int o = 0; o < outer; o++)
            for (int t = 0; t < inner; t++)
            {
                long i = (long)idx[o * inner + t];
                if (i < 0) i += depth;
                if (i >= 0 && i < depth) map[(o * d + (int)i) * inner + t] = 1;
            }
        int[] shape = [.. indices.Shape.AsSpan(0, axis), d, .. indices.Shape.AsSpan(axis)];
        return TensorCopy.Take(values, map, shape);
    }

    private static TensorType? InferOneHot(InferenceContext c)
    {
        if (c.InputElementType(2) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", -1), s.Rank + 1);
        var depth = c.ConstantInput(1) is { } t ? Dim.Of((long)TensorConvert.ToDoubles(t)[0]) : Dim.Unknown;
        return new TensorType(et, Shape.Of([.. s.Dims.Take(axis), depth, .. s.Dims.Skip(axis)]));
    }
}
