using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Moves float tensors in and out of the type an nn kernel computes in: <c>double</c> for f64,
/// <c>float</c> for f32, f16 and bf16 (the 16-bit formats are widened once and narrowed once).</summary>
internal static class FloatBuffers
{
    /// <summary>True if <paramref name="type"/> is a float type the nn kernels compute (f32, f64, f16, bf16).</summary>
    public static bool IsSupported(DataType type) => type is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    /// <summary>The tensor's elements as <typeparamref name="T"/> (float or double): its own storage when the types
    /// match, else a converted copy. Callers must not write to the result.</summary>
    public static Memory<T> Read<T>(Tensor t) where T : unmanaged
    {
        if (t is Tensor<T> same) return same.Memory;
        if (typeof(T) == typeof(float)) return (Memory<T>)(object)new Memory<float>(ToFloats(t));
        if (typeof(T) == typeof(double)) return (Memory<T>)(object)(Memory<double>)TensorConvert.ToDoubles(t);
        throw new InvalidOperationException($"nn kernels compute in float or double, not {typeof(T)}");
    }

    /// <summary>A copy of the tensor's elements as <typeparamref name="T"/> that the caller may modify.</summary>
    public static T[] Copy<T>(Tensor t) where T : unmanaged => t is Tensor<T> same ? same.Span.ToArray() : Read<T>(t).ToArray();

    /// <summary>Wraps or converts computed values into a tensor of <paramref name="type"/>.</summary>
    public static Tensor Write<T>(DataType type, T[] data, ReadOnlySpan<int> shape) where T : unmanaged
    {
        if (DataTypes.FromClr(typeof(T)) == type) return new Tensor<T>(data, shape);
        if (typeof(T) == typeof(float)) return FromFloats(type, Unsafe.As<float[]>(data), shape);
        if (typeof(T) == typeof(double)) return TensorConvert.FromDoubles(type, Unsafe.As<double[]>(data), shape);
        throw new InvalidOperationException($"nn kernels compute in float or double, not {typeof(T)}");
    }

    /// <summary>Rounds <paramref name="v"/> to the precision of a float type (f64 and non-float types unchanged).</summary>
    public static double RoundTo(DataType type, double v) => type switch
    {
        DataType.Float32 => (float)v,
        DataType.Float16 => (double)(Half)v,
        DataType.BFloat16 => (float)(BFloat16)(float)v,
        _ => v,
    };

    private static float[] ToFloats(Tensor t)
    {
        var r = new float[t.Length];
        switch (t)
        {
            case Tensor<Half> h:
            {
                var s = h.Span;
                for (int i = 0; i < r.Length; i++) r[i] = (float)s[i];
                break;
            }
            case Tensor<BFloat16> b:
            {
                var s = b.Span;
                for (int i = 0; i < r.Length; i++) r[i] = (float)s[i];
                break;
            }
            default:
            {
                var d = TensorConvert.ToDoubles(t);
                for (int i = 0; i < r.Length; i++) r[i] = (float)d[i];
                break;
            }
        }
        return r;
    }

    private static Tensor FromFloats(DataType type, float[] data, ReadOnlySpan<int> shape)
    {
        switch (type)
        {
            case DataType.Float16:
            {
                var t = new Tensor<Half>(shape);
                var s = t.Span;
                for (int i = 0; i < data.Length; i++) s[i] = (Half)data[i];
                return t;
            }
            case DataType.BFloat16:
            {
                var t = new Tensor<BFloat16>(shape);
                var s = t.Span;
                for (int i = 0; i < data.Length; i++) s[i] = (BFloat16)data[i];
                return t;
            }
            default:
                return TensorConvert.FromDoubles(type, Array.ConvertAll(data, x => (double)x), shape);
        }
    }
}
