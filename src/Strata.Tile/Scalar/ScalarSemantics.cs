using Strata.Core;

namespace Strata.Tile;

/// <summary>The one definition of every scalar operation for the levels below the Graph: the Tile interpreter,
/// the Block interpreter and the Machine emulator all call these, so a divergence between levels is a lowering
/// bug, never a semantics mismatch. Float results are rounded to their element type after each operation, the
/// way the reference interpreter computes.</summary>
public static class ScalarSemantics
{
    /// <summary>Element types the scalar levels compute natively (others run as fallback kernels).</summary>
    public static bool IsSupported(DataType t) => t.IsNativeNumeric() || t is DataType.Bool or DataType.BFloat16;

    public static bool IsFloat(DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    /// <summary>Rounds a double to the precision of a float type.</summary>
    public static double RoundFloat(double v, DataType t) => t switch
    {
        DataType.Float32 => (float)v,
        DataType.Float16 => (double)(Half)v,
        DataType.BFloat16 => (float)(BFloat16)(float)v,
        _ => v,
    };

    /// <summary>Wraps a long to an integer type's width (two's complement), or to 0/1 for bool.</summary>
    public static long WrapInt(long v, DataType t) => t switch
    {
        DataType.Int8 => (sbyte)v,
        DataType.Int16 => (short)v,
        DataType.Int32 => (int)v,
        DataType.UInt8 => (byte)v,
        DataType.UInt16 => (ushort)v,
        DataType.UInt32 => (uint)v,
        DataType.Bool => v != 0 ? 1 : 0,
        _ => v,
    };

    public static Scalar Normalize(Scalar v, DataType t) =>
        IsFloat(t) ? Scalar.Float(RoundFloat(v.F, t)) : Scalar.Int(WrapInt(v.I, t));

    public static DataType ResultType(BinaryOp op, DataType operand) => op.IsComparison() ? DataType.Bool : operand;

    public static DataType ResultType(UnaryOp op, DataType operand) => op.IsPredicate() ? DataType.Bool : operand;

    /// <summary>Whether <see cref="Unary(UnaryOp, DataType, Scalar)"/> defines <paramref name="op"/> on operands of
    /// <paramref name="type"/> (float types: all but not/bitnot; integer and bool types: the exact ops).</summary>
    public static bool IsDefined(UnaryOp op, DataType type) => IsFloat(type)
        ? op is not (UnaryOp.Not or UnaryOp.BitNot)
        : op.IsPredicate() || op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Sign or UnaryOp.Relu or UnaryOp.Not or UnaryOp.BitNot
            or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round;

    /// <summary>Whether <see cref="Binary(BinaryOp, DataType, Scalar, Scalar)"/> defines <paramref name="op"/> on operands
    /// of <paramref name="type"/> (float types: arithmetic and comparisons; integer and bool types: all).</summary>
    public static bool IsDefined(BinaryOp op, DataType type) => !IsFloat(type)
        || op.IsComparison() || op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.FloorDiv
            or BinaryOp.Mod or BinaryOp.FMod or BinaryOp.Pow or BinaryOp.Max or BinaryOp.Min or BinaryOp.MaxNative;

    public static Scalar Unary(UnaryOp op, DataType type, Scalar x)
    {
        if (IsFloat(type))
        {
            double v = x.F;
            if (op.IsPredicate())
                return Scalar.Bool(op switch
                {
                    UnaryOp.IsNaN => double.IsNaN(v),
                    UnaryOp.IsInf => double.IsInfinity(v),
                    UnaryOp.IsPosInf => double.IsPositiveInfinity(v),
                    _ => double.IsNegativeInfinity(v),
                });
            double r = op switch
            {
                UnaryOp.Neg => -v,
                UnaryOp.Abs => Math.Abs(v),
                UnaryOp.Exp => Math.Exp(v),
                UnaryOp.ExpNonPos => Math.Exp(Math.Min(v, 0)), // NaN stays NaN
                UnaryOp.Log => Math.Log(v),
                UnaryOp.Sqrt => Math.Sqrt(v),
                UnaryOp.Rsqrt => 1 / Math.Sqrt(v),
                UnaryOp.Reciprocal => 1 / v,
                UnaryOp.Tanh => Math.Tanh(v),
                UnaryOp.Sigmoid => v >= 0 ? 1 / (1 + Math.Exp(-v)) : Math.Exp(v) / (1 + Math.Exp(v)),
                UnaryOp.Erf => Erf(v),
                UnaryOp.Gelu => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
                UnaryOp.GeluTanh => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
                UnaryOp.Floor => Math.Floor(v),
                UnaryOp.Ceil => Math.Ceiling(v),
                UnaryOp.Round => Math.Round(v, MidpointRounding.ToEven),
                UnaryOp.Sign => double.IsNaN(v) ? v : Math.Sign(v),
                UnaryOp.Sin => Math.Sin(v),
                UnaryOp.Cos => Math.Cos(v),
                UnaryOp.Tan => Math.Tan(v),
                UnaryOp.Asin => Math.Asin(v),
                UnaryOp.Acos => Math.Acos(v),
                UnaryOp.Atan => Math.Atan(v),
                UnaryOp.Sinh => Math.Sinh(v),
                UnaryOp.Cosh => Math.Cosh(v),
                UnaryOp.Asinh => Math.Asinh(v),
                UnaryOp.Acosh => Math.Acosh(v),
                UnaryOp.Atanh => Math.Atanh(v),
                UnaryOp.Softplus => v > 20 ? v : Math.Log(1 + Math.Exp(v)),
                UnaryOp.Softsign => v / (1 + Math.Abs(v)),
                UnaryOp.Relu => v > 0 ? v : (double.IsNaN(v) ? v : 0),
                _ => throw Unsupported(op, type),
            };
            return Scalar.Float(RoundFloat(r, type));
        }
        long i = x.I;
        if (op.IsPredicate()) return Scalar.Bool(false);
        long ri = op switch
        {
            UnaryOp.Neg => -i,
            UnaryOp.Abs => IsUnsigned(type) ? i : Math.Abs(i == long.MinValue ? 0 : i) + (i == long.MinValue ? long.MinValue : 0),
            UnaryOp.Sign => IsUnsigned(type) ? (i != 0 ? 1 : 0) : Math.Sign(i),
            UnaryOp.Relu => i > 0 || IsUnsigned(type) ? i : 0,
            UnaryOp.Not => i == 0 ? 1 : 0,
            UnaryOp.BitNot => ~i,
            UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round => i,
            _ => throw Unsupported(op, type),
        };
        return Scalar.Int(WrapInt(ri, type));
    }

    public static Scalar Binary(BinaryOp op, DataType type, Scalar a, Scalar b)
    {
        if (IsFloat(type))
        {
            double x = a.F, y = b.F;
            if (op.IsComparison())
                return Scalar.Bool(op switch
                {
                    BinaryOp.Eq => x == y,
                    BinaryOp.Ne => x != y,
                    BinaryOp.Lt => x < y,
                    BinaryOp.Le => x <= y,
                    BinaryOp.Gt => x > y,
                    _ => x >= y,
                });
            double r = op switch
            {
                BinaryOp.Add => x + y,
                BinaryOp.Sub => x - y,
                BinaryOp.Mul => x * y,
                BinaryOp.Div => x / y,
                BinaryOp.FloorDiv => Math.Floor(x / y),
                BinaryOp.Mod => x - Math.Floor(x / y) * y,
                BinaryOp.FMod => x % y,
                BinaryOp.Pow => Math.Pow(x, y),
                // MaxNative as Max: one of the values its definition allows where an operand is NaN.
                BinaryOp.Max or BinaryOp.MaxNative => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : Math.Max(x, y),
                BinaryOp.Min => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : Math.Min(x, y),
                _ => throw Unsupported(op, type),
            };
            return Scalar.Float(RoundFloat(r, type));
        }
        long p = a.I, q = b.I;
        bool unsigned = IsUnsigned(type);
        if (op.IsComparison())
            return Scalar.Bool(unsigned
                ? Compare(op, (ulong)p, (ulong)q)
                : Compare(op, p, q));
        long ri = op switch
        {
            BinaryOp.Add => p + q,
            BinaryOp.Sub => p - q,
            BinaryOp.Mul => p * q,
            BinaryOp.Div => q == 0 ? 0 : unsigned ? (long)((ulong)p / (ulong)q) : p == long.MinValue && q == -1 ? p : p / q,
            BinaryOp.FloorDiv => q == 0 ? 0 : unsigned ? (long)((ulong)p / (ulong)q) : q == -1 ? unchecked(-p) : FloorDiv(p, q),
            BinaryOp.Mod => q == 0 ? 0 : unsigned ? (long)((ulong)p % (ulong)q) : q == -1 ? 0 : p - FloorDiv(p, q) * q,
            BinaryOp.FMod => q == 0 ? 0 : unsigned ? (long)((ulong)p % (ulong)q) : q == -1 ? 0 : p % q,
            BinaryOp.Pow => IntPow(p, q),
            BinaryOp.Max or BinaryOp.MaxNative => unsigned ? ((ulong)p >= (ulong)q ? p : q) : Math.Max(p, q),
            BinaryOp.Min => unsigned ? ((ulong)p <= (ulong)q ? p : q) : Math.Min(p, q),
            BinaryOp.And => (p != 0 && q != 0) ? 1 : 0,
            BinaryOp.Or => (p != 0 || q != 0) ? 1 : 0,
            BinaryOp.Xor => ((p != 0) ^ (q != 0)) ? 1 : 0,
            BinaryOp.BitAnd => p & q,
            BinaryOp.BitOr => p | q,
            BinaryOp.BitXor => p ^ q,
            BinaryOp.Shl => q >= BitWidth(type) || q < 0 ? 0 : p << (int)q,
            BinaryOp.Shr => q >= BitWidth(type) || q < 0 ? 0 : (long)((ulong)ZeroExtend(p, type) >> (int)q),
            _ => throw Unsupported(op, type),
        };
        return Scalar.Int(WrapInt(ri, type));
    }

    /// <summary>Converts between element types as ONNX Cast does in the reference interpreter: float→int truncates
    /// toward zero and saturates to the target's range (NaN gives 0), int→float rounds to nearest even (to bfloat16
    /// in one correctly rounded step), int→int wraps, anything→bool is x != 0.</summary>
    public static Scalar Cast(Scalar x, DataType from, DataType to)
    {
        if (IsFloat(to))
        {
            double v = IsFloat(from) ? x.F : x.ToDouble(from);
            // A 64-bit integer rounds to float32 in one step (through double it could round twice).
            if (to == DataType.Float32 && !IsFloat(from)) return Scalar.Float(from == DataType.UInt64 ? (float)(ulong)x.I : (float)x.I);
            return Scalar.Float(to == DataType.BFloat16 ? (float)new BFloat16(LowPrecisionCodec.EncodeBFloat16(v)) : RoundFloat(v, to));
        }
        if (to == DataType.Bool)
            return Scalar.Bool(IsFloat(from) ? x.F != 0 : x.I != 0);
        if (IsFloat(from))
        {
            double v = Math.Truncate(x.F);
            if (double.IsNaN(v)) return Scalar.Int(0);
            if (to == DataType.UInt64)
                return Scalar.Int(v <= 0 ? 0 : v >= 18446744073709551615.0 ? -1 : (long)(ulong)v);
            return Scalar.Int(v <= MinValue(to) ? MinValue(to) : v >= MaxValue(to) ? MaxValue(to) : (long)v);
        }
        return Scalar.Int(WrapInt(x.I, to));
    }

    /// <summary>The identity of a reduction (the value of an empty reduction).</summary>
    public static Scalar ReduceInit(ReduceOp op, DataType type) => op switch
    {
        ReduceOp.Sum => IsFloat(type) ? Scalar.Float(0) : Scalar.Int(0),
        ReduceOp.Prod => IsFloat(type) ? Scalar.Float(1) : Scalar.Int(1),
        ReduceOp.Max or ReduceOp.MaxNative => IsFloat(type) ? Scalar.Float(double.NegativeInfinity) : Scalar.Int(MinValue(type)),
        ReduceOp.Min => IsFloat(type) ? Scalar.Float(double.PositiveInfinity) : Scalar.Int(MaxValue(type)),
        _ => Scalar.Int(0),
    };

    /// <summary>Combines an accumulator with a value for Sum/Prod/Max/Min.</summary>
    public static Scalar ReduceStep(ReduceOp op, DataType type, Scalar acc, Scalar v) => op switch
    {
        ReduceOp.Sum => Binary(BinaryOp.Add, type, acc, v),
        ReduceOp.Prod => Binary(BinaryOp.Mul, type, acc, v),
        ReduceOp.Max => Binary(BinaryOp.Max, type, acc, v),
        ReduceOp.Min => Binary(BinaryOp.Min, type, acc, v),
        ReduceOp.MaxNative => Binary(BinaryOp.MaxNative, type, acc, v),
        _ => throw new ArgumentException($"{op} is not an accumulating reduction; use ArgReduceBetter"),
    };

    /// <summary>For ArgMax/ArgMin: whether <paramref name="candidate"/> replaces <paramref name="best"/>
    /// (NaN wins, as in numpy; ties keep the first index, or the last for the *Last variants).</summary>
    public static bool ArgReduceBetter(ReduceOp op, DataType type, Scalar best, Scalar candidate)
    {
        if (IsFloat(type))
        {
            if (double.IsNaN(best.F)) return false;
            if (double.IsNaN(candidate.F)) return true;
        }
        var cmp = Binary(op is ReduceOp.ArgMax or ReduceOp.ArgMaxLast ? BinaryOp.Gt : BinaryOp.Lt, type, candidate, best).AsBool;
        bool tie = Binary(BinaryOp.Eq, type, candidate, best).AsBool;
        return cmp || tie && op is ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
    }

    /// <summary>Reads element <paramref name="index"/> of a tensor as a scalar.</summary>
    public static Scalar Read(Tensor t, int index) => t switch
    {
        Tensor<float> x => Scalar.Float(x[index]),
        Tensor<double> x => Scalar.Float(x[index]),
        Tensor<Half> x => Scalar.Float((double)x[index]),
        Tensor<BFloat16> x => Scalar.Float((float)x[index]),
        Tensor<sbyte> x => Scalar.Int(x[index]),
        Tensor<short> x => Scalar.Int(x[index]),
        Tensor<int> x => Scalar.Int(x[index]),
        Tensor<long> x => Scalar.Int(x[index]),
        Tensor<byte> x => Scalar.Int(x[index]),
        Tensor<ushort> x => Scalar.Int(x[index]),
        Tensor<uint> x => Scalar.Int(x[index]),
        Tensor<ulong> x => Scalar.Int((long)x[index]),
        Tensor<bool> x => Scalar.Bool(x[index]),
        _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"{t.DataType} is not computed below the Graph level", "such tensors run in fallback kernels"),
    };

    /// <summary>Writes a scalar of the tensor's element type into element <paramref name="index"/>.</summary>
    public static void Write(Tensor t, int index, Scalar v)
    {
        switch (t)
        {
            case Tensor<float> x: x[index] = (float)v.F; break;
            case Tensor<double> x: x[index] = v.F; break;
            case Tensor<Half> x: x[index] = (Half)v.F; break;
            case Tensor<BFloat16> x: x[index] = (BFloat16)(float)v.F; break;
            case Tensor<sbyte> x: x[index] = (sbyte)v.I; break;
            case Tensor<short> x: x[index] = (short)v.I; break;
            case Tensor<int> x: x[index] = (int)v.I; break;
            case Tensor<long> x: x[index] = v.I; break;
            case Tensor<byte> x: x[index] = (byte)v.I; break;
            case Tensor<ushort> x: x[index] = (ushort)v.I; break;
            case Tensor<uint> x: x[index] = (uint)v.I; break;
            case Tensor<ulong> x: x[index] = (ulong)v.I; break;
            case Tensor<bool> x: x[index] = v.I != 0; break;
            default: throw new StrataException(ErrorCode.UnsupportedDataType, $"{t.DataType} is not computed below the Graph level", "such tensors run in fallback kernels");
        }
    }

    /// <summary>Erf to double precision (Abramowitz–Stegun 7.1.26 is too coarse; this uses a series/continued fraction).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return -Erf(-x);
        if (x > 6) return 1;
        if (x < 2.5)
        {
            // Taylor series: erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = x, x2 = x * x;
            for (int n = 0; n < 100; n++)
            {
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.Abs(t) < 1e-17 * Math.Abs(sum)) break;
                term *= -x2 / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        // Continued fraction for erfc.
        double f = 0;
        for (int n = 60; n >= 1; n--) f = n / 2.0 / (x + f);
        return 1 - Math.Exp(-x * x) / Math.Sqrt(Math.PI) / (x + f);
    }

    private static bool Compare<T>(BinaryOp op, T x, T y) where T : IComparable<T> => op switch
    {
        BinaryOp.Eq => x.CompareTo(y) == 0,
        BinaryOp.Ne => x.CompareTo(y) != 0,
        BinaryOp.Lt => x.CompareTo(y) < 0,
        BinaryOp.Le => x.CompareTo(y) <= 0,
        BinaryOp.Gt => x.CompareTo(y) > 0,
        _ => x.CompareTo(y) >= 0,
    };

    private static long FloorDiv(long p, long q)
    {
        if (q == -1) return unchecked(-p); // long.MinValue / -1 overflows: it wraps, as Div does
        long d = p / q;
        return (p % q != 0 && (p < 0) != (q < 0)) ? d - 1 : d;
    }

    private static long IntPow(long b, long e)
    {
        if (e < 0) return b == 1 ? 1 : b == -1 ? (e % 2 == 0 ? 1 : -1) : 0;
        long r = 1;
        while (e > 0)
        {
            if ((e & 1) != 0) r = unchecked(r * b);
            b = unchecked(b * b);
            e >>= 1;
        }
        return r;
    }

    private static bool IsUnsigned(DataType t) => t is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 or DataType.Bool;
    private static int BitWidth(DataType t) => t.BitWidth();
    private static long ZeroExtend(long v, DataType t) => t switch
    {
        DataType.Int8 or DataType.UInt8 => v & 0xFF,
        DataType.Int16 or DataType.UInt16 => v & 0xFFFF,
        DataType.Int32 or DataType.UInt32 => v & 0xFFFFFFFF,
        _ => v,
    };

    private static long MinValue(DataType t) => t switch
    {
        DataType.Int8 => sbyte.MinValue, DataType.Int16 => short.MinValue, DataType.Int32 => int.MinValue,
        DataType.Int64 => long.MinValue, DataType.Bool => 0, _ => 0,
    };

    private static long MaxValue(DataType t) => t switch
    {
        DataType.Int8 => sbyte.MaxValue, DataType.Int16 => short.MaxValue, DataType.Int32 => int.MaxValue,
        DataType.Int64 => long.MaxValue, DataType.UInt8 => byte.MaxValue, DataType.UInt16 => ushort.MaxValue,
        DataType.UInt32 => uint.MaxValue, DataType.UInt64 => -1, DataType.Bool => 1, _ => 0,
    };

    private static StrataException Unsupported(object op, DataType t) =>
        new(ErrorCode.NotImplemented, $"scalar op {op} is not defined for {t.ShortName()}", "lower this node as a fallback kernel");
}
