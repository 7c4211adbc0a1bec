using System.Numerics;

namespace Strata.Core;

/// <summary>Element-wise conversion between tensors of numeric types, through double where no exact
/// path is needed. (Cast semantics with saturation and strings live in the Cast op.)</summary>
public static class TensorConvert
{
    /// <summary>Reads any numeric or bool tensor as doubles.</summary>
    public static double[] ToDoubles(Tensor t) => NumericDispatch.Invoke<ToDoublesFunc, double[]>(t.DataType, new ToDoublesFunc(t));

    /// <summary>Reads integer/bool tensors exactly as longs (e.g. shapes, indices, axes).</summary>
    public static long[] ToInt64s(Tensor t) => t switch
    {
        Tensor<long> l => l.ToArray(),
        Tensor<int> i => Array.ConvertAll(i.ToArray(), x => (long)x),
        Tensor<ulong> u => Array.ConvertAll(u.ToArray(), x => unchecked((long)x)),
        _ => Array.ConvertAll(ToDoubles(t), x => (long)x),
    };

    /// <summary>Builds a tensor of <paramref name="type"/> from doubles (integers truncate toward zero, bool is x != 0).</summary>
    public static Tensor FromDoubles(DataType type, ReadOnlySpan<double> values, ReadOnlySpan<int> shape)
    {
        var t = TensorFactory.Create(type, shape);
        NumericDispatch.Invoke<FromDoublesFunc, bool>(type, new FromDoublesFunc(t, values.ToArray()));
        return t;
    }

    private readonly struct ToDoublesFunc(Tensor t) : INumericFunc<double[]>
    {
        public double[] Invoke<T>() where T : unmanaged, INumber<T>
        {
            var s = ((Tensor<T>)t).Span;
            var r = new double[s.Length];
            for (int i = 0; i < s.Length; i++) r[i] = double.CreateTruncating(s[i]);
            return r;
        }
        public double[] InvokeOther()
        {
            var r = new double[t.Length];
            switch (t)
            {
                case Tensor<bool> b: for (int i = 0; i < r.Length; i++) r[i] = b[i] ? 1 : 0; break;
                case Tensor<BFloat16> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Float8E4M3FN> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Float8E4M3FNUZ> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Float8E5M2> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Float8E5M2FNUZ> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Float8E8M0> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Float4E2M1> x: for (int i = 0; i < r.Length; i++) r[i] = (float)x[i]; break;
                case Tensor<Int4> x: for (int i = 0; i < r.Length; i++) r[i] = x[i].Value; break;
                case Tensor<UInt4> x: for (int i = 0; i < r.Length; i++) r[i] = x[i].Value; break;
                case Tensor<Int2> x: for (int i = 0; i < r.Length; i++) r[i] = x[i].Value; break;
                case Tensor<UInt2> x: for (int i = 0; i < r.Length; i++) r[i] = x[i].Value; break;
                default: throw new StrataException(ErrorCode.UnsupportedDataType, $"cannot read {t.DataType} as numbers", "use a numeric tensor");
            }
            return r;
        }
    }

    private readonly struct FromDoublesFunc(Tensor t, double[] v) : INumericFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, INumber<T>
        {
            var s = ((Tensor<T>)t).Span;
            for (int i = 0; i < s.Length; i++) s[i] = T.CreateTruncating(v[i]);
            return true;
        }
        public bool InvokeOther()
        {
            switch (t)
            {
                case Tensor<bool> b: for (int i = 0; i < v.Length; i++) b[i] = v[i] != 0; break;
                case Tensor<BFloat16> x: for (int i = 0; i < v.Length; i++) x[i] = (BFloat16)(float)v[i]; break;
                default: throw new StrataException(ErrorCode.UnsupportedDataType, $"cannot build {t.DataType} from numbers here", "use the Cast op for low-precision types");
            }
            return true;
        }
    }
}
