using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Machine;

namespace Strata.Backends.Clr.Emit;

/// <summary>How Machine types map onto CLR types. Scalars: the element's CLR type (bool is a byte holding 0/1, so
/// IL comparisons store straight into it). Vectors: <c>Vector64/128/256/512&lt;T&gt;</c> chosen by total width (64 bits only for narrowed casts such as v2f64 → v2f32) (lanes ×
/// lane size). A <c>vNbool</c> mask is a vector of unsigned lanes (all ones = true) whose lane size is that of the
/// vectors it is compared from: the target's width divided by the lane count when that is 4 or 8 bytes.</summary>
internal static class ClrTypes
{
    public static Type Element(DataType t) => t switch
    {
        DataType.Float32 => typeof(float),
        DataType.Float64 => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.BFloat16 => typeof(BFloat16),
        DataType.Int8 => typeof(sbyte),
        DataType.Int16 => typeof(short),
        DataType.Int32 => typeof(int),
        DataType.Int64 => typeof(long),
        DataType.UInt8 => typeof(byte),
        DataType.UInt16 => typeof(ushort),
        DataType.UInt32 => typeof(uint),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(byte),
        _ => throw Unsupported($"element type {t.ShortName()} has no CLR register type"),
    };

    /// <summary>Bytes of one element in memory (bool tensors hold one byte per element).</summary>
    public static int Size(DataType t) => t switch
    {
        DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float16 or DataType.BFloat16 or DataType.Int16 or DataType.UInt16 => 2,
        DataType.Int8 or DataType.UInt8 or DataType.Bool => 1,
        _ => throw Unsupported($"element type {t.ShortName()} cannot be read or written by native code"),
    };

    public static bool IsFloat(DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    public static bool IsUnsigned(DataType t) => t is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 or DataType.Bool;

    /// <summary>Bytes of one lane of a register: the element size, except for vector masks (see the class summary)
    /// and scalar bools (one byte).</summary>
    public static int LaneBytes(MType t, Target target)
    {
        if (t.Element != DataType.Bool || !t.IsVector) return Size(t.Element);
        int fromTarget = target.VectorBits / 8 / t.Lanes;
        if (fromTarget is 4 or 8 && t.Lanes * fromTarget is 8 or 16 or 32 or 64) return fromTarget;
        foreach (int b in new[] { 4, 8 })
            if (t.Lanes * b is 8 or 16 or 32 or 64) return b;
        throw Unsupported($"vector mask {t} has no CLR vector type");
    }

    /// <summary>The CLR type of one lane: the element type, or uint/ulong for mask lanes.</summary>
    public static Type Lane(MType t, Target target) =>
        t.Element == DataType.Bool && t.IsVector ? (LaneBytes(t, target) == 4 ? typeof(uint) : typeof(ulong)) : Element(t.Element);

    /// <summary>The static class with the vector operations for a vector type (<c>Vector256</c>).</summary>
    public static Type VectorClass(MType t, Target target) => (t.Lanes * LaneBytes(t, target)) switch
    {
        8 => typeof(Vector64),
        16 => typeof(Vector128),
        32 => typeof(Vector256),
        64 => typeof(Vector512),
        _ => throw Unsupported($"vector type {t} ({t.Lanes} × {LaneBytes(t, target)} bytes) has no CLR vector type"),
    };

    public static Type Of(MType t, Target target)
    {
        if (!t.IsVector) return Element(t.Element);
        var lane = Lane(t, target);
        if (t.Element is not (DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64
            or DataType.UInt32 or DataType.UInt64 or DataType.Bool))
            throw Unsupported($"vector type {t}: only 4- and 8-byte numeric elements and bool are vectorised");
        var vc = VectorClass(t, target);
        var open = vc == typeof(Vector64) ? typeof(Vector64<>) : vc == typeof(Vector128) ? typeof(Vector128<>)
            : vc == typeof(Vector256) ? typeof(Vector256<>) : typeof(Vector512<>);
        return open.MakeGenericType(lane);
    }

    public static StrataException Unsupported(string message) =>
        new(ErrorCode.NotImplemented, message, "the clr backend cannot compile this kernel; run it with the Machine interpreter");
}
