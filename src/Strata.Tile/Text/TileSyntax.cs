using System.Globalization;
using Strata.Core;
using Strata.Graph.Text;

namespace Strata.Tile.Text;

/// <summary>Spelling of names and literals in the Tile text form (shared by <see cref="TilePrinter"/> and
/// <see cref="TileParser"/>).</summary>
public static class TileSyntax
{
    /// <summary>Bare identifiers that mean literals, so an axis with such a name is quoted.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "true", "false", "inf", "nan" };

    public static string BufferRef(string name) => TextSyntax.ValueRef(name);

    public static string KernelRef(string name) => TextSyntax.GraphRef(name);

    /// <summary>An axis / index variable: bare (<c>m</c>, <c>k0</c>) or quoted (<c>"a b"</c>, <c>"true"</c>).</summary>
    public static string AxisRef(string name) =>
        TextSyntax.IsBareIdentifier(name) && !Reserved.Contains(name) ? name : TextSyntax.Quote(name);

    /// <summary>A constant: index constants (i64) bare (<c>3</c>), bools <c>true</c>/<c>false</c>, everything else
    /// with its type (<c>1.5 : f32</c>, <c>3 : i32</c>, <c>nan : f16</c>).</summary>
    public static string Constant(Scalar value, DataType type)
    {
        if (type == DataType.Int64) return value.I.ToString(CultureInfo.InvariantCulture);
        if (type == DataType.Bool) return value.I != 0 ? "true" : "false";
        return Literal(value, type) + " : " + type.ShortName();
    }

    /// <summary>The number alone: floats in the shortest form that reads back to the same value of the type,
    /// always with a <c>.</c> or an exponent; <c>inf</c>, <c>-inf</c>, <c>nan</c>.</summary>
    public static string Literal(Scalar value, DataType type)
    {
        if (ScalarSemantics.IsFloat(type))
        {
            double v = value.F;
            if (double.IsNaN(v)) return "nan";
            if (double.IsPositiveInfinity(v)) return "inf";
            if (double.IsNegativeInfinity(v)) return "-inf";
            string s = type switch
            {
                DataType.Float64 => v.ToString("R", CultureInfo.InvariantCulture),
                DataType.Float16 => ((Half)v).ToString(CultureInfo.InvariantCulture),
                _ => ((float)v).ToString("R", CultureInfo.InvariantCulture),
            };
            return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s : s + ".0";
        }
        return type == DataType.UInt64
            ? ((ulong)value.I).ToString(CultureInfo.InvariantCulture)
            : value.I.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a literal of <paramref name="type"/>; false when it is not a number of that type.</summary>
    public static bool TryParseLiteral(string text, DataType type, out Scalar value)
    {
        value = default;
        var inv = CultureInfo.InvariantCulture;
        if (ScalarSemantics.IsFloat(type))
        {
            double d;
            switch (text)
            {
                case "nan": d = double.NaN; break;
                case "inf": d = double.PositiveInfinity; break;
                case "-inf": d = double.NegativeInfinity; break;
                default:
                    if (type == DataType.Float16)
                    {
                        if (!Half.TryParse(text, NumberStyles.Float, inv, out var h)) return false;
                        d = (double)h;
                    }
                    else if (type == DataType.Float64)
                    {
                        if (!double.TryParse(text, NumberStyles.Float, inv, out d)) return false;
                    }
                    else
                    {
                        if (!float.TryParse(text, NumberStyles.Float, inv, out var f)) return false;
                        d = f;
                    }
                    break;
            }
            value = Scalar.Float(ScalarSemantics.RoundFloat(d, type));
            return true;
        }
        if (type == DataType.Bool)
        {
            if (text is "true" or "1") { value = Scalar.Bool(true); return true; }
            if (text is "false" or "0") { value = Scalar.Bool(false); return true; }
            return false;
        }
        if (type == DataType.UInt64)
        {
            if (!ulong.TryParse(text, NumberStyles.None, inv, out var u)) return false;
            value = Scalar.Int((long)u);
            return true;
        }
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var l)) return false;
        if (ScalarSemantics.WrapInt(l, type) != l) return false; // out of the type's range
        value = Scalar.Int(l);
        return true;
    }
}
