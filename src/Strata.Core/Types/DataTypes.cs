using System.Collections.Frozen;

namespace Strata.Core;

/// <summary>Facts about <see cref="DataType"/>: CLR element type, short text name, size and category.</summary>
public static class DataTypes
{
    private static readonly (DataType Type, string Name, Type? Clr, int Bits)[] Table =
    [
        (DataType.Float32, "f32", typeof(float), 32),
        (DataType.Float64, "f64", typeof(double), 64),
        (DataType.Float16, "f16", typeof(Half), 16),
        (DataType.BFloat16, "bf16", typeof(BFloat16), 16),
        (DataType.Int8, "i8", typeof(sbyte), 8),
        (DataType.Int16, "i16", typeof(short), 16),
        (DataType.Int32, "i32", typeof(int), 32),
        (DataType.Int64, "i64", typeof(long), 64),
        (DataType.UInt8, "u8", typeof(byte), 8),
        (DataType.UInt16, "u16", typeof(ushort), 16),
        (DataType.UInt32, "u32", typeof(uint), 32),
        (DataType.UInt64, "u64", typeof(ulong), 64),
        (DataType.Bool, "bool", typeof(bool), 8),
        (DataType.String, "str", typeof(string), 0),
        (DataType.Float8E4M3FN, "f8e4m3fn", typeof(Float8E4M3FN), 8),
        (DataType.Float8E4M3FNUZ, "f8e4m3fnuz", typeof(Float8E4M3FNUZ), 8),
        (DataType.Float8E5M2, "f8e5m2", typeof(Float8E5M2), 8),
        (DataType.Float8E5M2FNUZ, "f8e5m2fnuz", typeof(Float8E5M2FNUZ), 8),
        (DataType.Float8E8M0, "f8e8m0", typeof(Float8E8M0), 8),
        (DataType.Float4E2M1, "f4e2m1", typeof(Float4E2M1), 4),
        (DataType.Int4, "i4", typeof(Int4), 4),
        (DataType.UInt4, "u4", typeof(UInt4), 4),
        (DataType.Int2, "i2", typeof(Int2), 2),
        (DataType.UInt2, "u2", typeof(UInt2), 2),
        (DataType.Complex64, "c64", null, 64),
        (DataType.Complex128, "c128", null, 128),
    ];

    private static readonly FrozenDictionary<DataType, (string Name, Type? Clr, int Bits)> ByType =
        Table.ToFrozenDictionary(t => t.Type, t => (t.Name, t.Clr, t.Bits));
    private static readonly FrozenDictionary<string, DataType> ByName =
        Table.ToFrozenDictionary(t => t.Name, t => t.Type);
    private static readonly FrozenDictionary<Type, DataType> ByClr =
        Table.Where(t => t.Clr is not null).ToFrozenDictionary(t => t.Clr!, t => t.Type);

    /// <summary>Short name used in IR text, e.g. <c>f32</c>.</summary>
    public static string ShortName(this DataType type) =>
        ByType.TryGetValue(type, out var e) ? e.Name : "?";

    public static bool TryParse(string shortName, out DataType type) => ByName.TryGetValue(shortName, out type);

    /// <summary>The CLR element type that <see cref="Tensor{T}"/> uses for this data type, or null if unsupported.</summary>
    public static Type? ClrType(this DataType type) => ByType.TryGetValue(type, out var e) ? e.Clr : null;

    public static DataType FromClr(Type clr) =>
        ByClr.TryGetValue(clr, out var t) ? t : throw new ArgumentException($"no Strata data type for CLR type {clr}");

    public static DataType Of<T>() => FromClr(typeof(T));

    /// <summary>Bits per element as stored in ONNX (4 for int4; 0 for string).</summary>
    public static int BitWidth(this DataType type) => ByType.TryGetValue(type, out var e) ? e.Bits : 0;

    public static bool IsFloatingPoint(this DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16
        or DataType.BFloat16 or DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2
        or DataType.Float8E5M2FNUZ or DataType.Float8E8M0 or DataType.Float4E2M1;

    public static bool IsSignedInteger(this DataType t) => t is DataType.Int8 or DataType.Int16 or DataType.Int32
        or DataType.Int64 or DataType.Int4 or DataType.Int2;

    public static bool IsUnsignedInteger(this DataType t) => t is DataType.UInt8 or DataType.UInt16 or DataType.UInt32
        or DataType.UInt64 or DataType.UInt4 or DataType.UInt2;

    public static bool IsInteger(this DataType t) => t.IsSignedInteger() || t.IsUnsignedInteger();

    /// <summary>Types with .NET generic math (<c>INumber&lt;T&gt;</c>) support: computed natively, not via float.</summary>
    public static bool IsNativeNumeric(this DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16
        or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64
        or DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;

    public static IEnumerable<DataType> All => Table.Select(t => t.Type);
}
