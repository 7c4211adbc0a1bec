using Strata.Core;
using Strata.Tile;

namespace Strata.Backends.Clr.Helpers;

/// <summary>The general fallback for vector registers (and any access the fast paths do not cover): the emitted code
/// spills the operands to stack temporaries and passes their addresses; these walk the lanes with
/// <see cref="ScalarSemantics"/>. A lane is described by its element type and its size in bytes — mask lanes
/// (bool) are 1 byte for scalars and 4 or 8 bytes, all ones for true, in vector masks.</summary>
internal static unsafe class LaneOps
{
    public static void Unary(int op, int type, nint x, int xLane, nint r, int rLane, int lanes)
    {
        var t = (DataType)type;
        var rt = ScalarSemantics.ResultType((UnaryOp)op, t);
        for (int i = 0; i < lanes; i++)
            Write(r, rt, rLane, i, ScalarSemantics.Unary((UnaryOp)op, t, Read(x, t, xLane, i)));
    }

    public static void Binary(int op, int type, nint a, nint b, int lane, nint r, int rLane, int lanes)
    {
        var t = (DataType)type;
        var rt = ScalarSemantics.ResultType((BinaryOp)op, t);
        for (int i = 0; i < lanes; i++)
            Write(r, rt, rLane, i, ScalarSemantics.Binary((BinaryOp)op, t, Read(a, t, lane, i), Read(b, t, lane, i)));
    }

    public static void Cast(int from, int to, nint x, int xLane, nint r, int rLane, int lanes)
    {
        for (int i = 0; i < lanes; i++)
            Write(r, (DataType)to, rLane, i, ScalarSemantics.Cast(Read(x, (DataType)from, xLane, i), (DataType)from, (DataType)to));
    }

    public static void Fma(int type, nint a, nint b, nint c, int lane, nint r, int lanes)
    {
        var t = (DataType)type;
        for (int i = 0; i < lanes; i++)
            Write(r, t, lane, i, Scalar.Float(ScalarBridge.Fma(type, Read(a, t, lane, i).F, Read(b, t, lane, i).F, Read(c, t, lane, i).F)));
    }

    public static void Select(nint c, int cLane, int type, nint a, nint b, int lane, nint r, int lanes)
    {
        var t = (DataType)type;
        for (int i = 0; i < lanes; i++)
            Write(r, t, lane, i, Read(c, DataType.Bool, cLane, i).AsBool ? Read(a, t, lane, i) : Read(b, t, lane, i));
    }

    /// <summary>Sum/prod/max/min across lanes in the Machine IR's tree order (lane i with lane i + ⌈n/2⌉, n halving;
    /// the result is a scalar of the element type).</summary>
    public static void Reduce(int op, int type, nint v, int lane, nint r, int lanes)
    {
        var t = (DataType)type;
        Span<Scalar> l = lanes <= 64 ? stackalloc Scalar[lanes] : new Scalar[lanes];
        for (int i = 0; i < lanes; i++) l[i] = Read(v, t, lane, i);
        for (int n = lanes; n > 1;)
        {
            int h = (n + 1) / 2;
            for (int i = 0; i < n - h; i++) l[i] = ScalarSemantics.ReduceStep((ReduceOp)op, t, l[i], l[i + h]);
            n = h;
        }
        var acc = l[0];
        Write(r, t, t == DataType.Bool ? 1 : lane, 0, acc);
    }

    /// <summary>Copies the elements <paramref name="from"/> ≤ i &lt; <paramref name="count"/> (both clamped to 0..lanes)
    /// between memory and a register's lanes; the other lanes of a load keep what the caller put there (the
    /// <c>other</c> value).</summary>
    public static void LoadLanes(nint memory, int type, nint r, int rLane, long from, long count, int lanes)
    {
        var t = (DataType)type;
        long n = Math.Clamp(count, 0, lanes);
        int size = t == DataType.Bool ? 1 : rLane;
        for (int i = (int)Math.Clamp(from, 0, lanes); i < n; i++) Write(r, t, rLane, i, Read(memory, t, size, i));
    }

    /// <summary><see cref="LoadLanes"/> for a load of lane stride <paramref name="stride"/>: lane i reads element
    /// i·stride.</summary>
    public static void LoadStridedLanes(nint memory, int type, nint r, int rLane, long from, long count, int lanes, long stride)
    {
        var t = (DataType)type;
        long n = Math.Clamp(count, 0, lanes);
        int size = t == DataType.Bool ? 1 : rLane;
        for (int i = (int)Math.Clamp(from, 0, lanes); i < n; i++) Write(r, t, rLane, i, Read(memory + (nint)(i * stride * size), t, size, 0));
    }

    public static void StoreStridedLanes(nint memory, int type, nint v, int vLane, long from, long count, int lanes, long stride)
    {
        var t = (DataType)type;
        long n = Math.Clamp(count, 0, lanes);
        int size = t == DataType.Bool ? 1 : vLane;
        for (int i = (int)Math.Clamp(from, 0, lanes); i < n; i++) Write(memory + (nint)(i * stride * size), t, size, 0, Read(v, t, vLane, i));
    }

    public static void StoreLanes(nint memory, int type, nint v, int vLane, long from, long count, int lanes)
    {
        var t = (DataType)type;
        long n = Math.Clamp(count, 0, lanes);
        int size = t == DataType.Bool ? 1 : vLane;
        for (int i = (int)Math.Clamp(from, 0, lanes); i < n; i++) Write(memory, t, size, i, Read(v, t, vLane, i));
    }

    internal static Scalar Read(nint p, DataType t, int lane, int i)
    {
        byte* q = (byte*)p + (long)i * lane;
        return t switch
        {
            DataType.Float32 => Scalar.Float(*(float*)q),
            DataType.Float64 => Scalar.Float(*(double*)q),
            DataType.Float16 => Scalar.Float((double)*(Half*)q),
            DataType.BFloat16 => Scalar.Float((float)*(BFloat16*)q),
            DataType.Int8 => Scalar.Int(*(sbyte*)q),
            DataType.Int16 => Scalar.Int(*(short*)q),
            DataType.Int32 => Scalar.Int(*(int*)q),
            DataType.Int64 or DataType.UInt64 => Scalar.Int(*(long*)q),
            DataType.UInt8 => Scalar.Int(*q),
            DataType.UInt16 => Scalar.Int(*(ushort*)q),
            DataType.UInt32 => Scalar.Int(*(uint*)q),
            DataType.Bool => Scalar.Bool(lane switch { 1 => *q != 0, 2 => *(ushort*)q != 0, 4 => *(uint*)q != 0, _ => *(ulong*)q != 0 }),
            _ => throw new StrataException(ErrorCode.UnsupportedDataType, $"{t} lanes cannot be read"),
        };
    }

    internal static void Write(nint p, DataType t, int lane, int i, Scalar v)
    {
        byte* q = (byte*)p + (long)i * lane;
        switch (t)
        {
            case DataType.Float32: *(float*)q = (float)v.F; break;
            case DataType.Float64: *(double*)q = v.F; break;
            case DataType.Float16: *(Half*)q = (Half)v.F; break;
            case DataType.BFloat16: *(BFloat16*)q = (BFloat16)(float)v.F; break;
            case DataType.Int8 or DataType.UInt8: *q = (byte)v.I; break;
            case DataType.Int16 or DataType.UInt16: *(short*)q = (short)v.I; break;
            case DataType.Int32 or DataType.UInt32: *(int*)q = (int)v.I; break;
            case DataType.Int64 or DataType.UInt64: *(long*)q = v.I; break;
            case DataType.Bool:
                long bits = v.I != 0 ? (lane == 1 ? 1 : -1) : 0;
                switch (lane)
                {
                    case 1: *q = (byte)bits; break;
                    case 2: *(short*)q = (short)bits; break;
                    case 4: *(int*)q = (int)bits; break;
                    default: *(long*)q = bits; break;
                }
                break;
            default: throw new StrataException(ErrorCode.UnsupportedDataType, $"{t} lanes cannot be written");
        }
    }
}
