using System.Globalization;
using Strata.Core;
using Strata.Graph.Text;
using Strata.Tile;

namespace Strata.Machine.Text;

/// <summary>Literal tokens of the Machine text form (<c>const</c> values, <c>other</c> fallbacks) read as values of
/// their element type — the inverse of <see cref="Strata.Block.Text.BlockPrinter.FormatScalar"/>, with the same rules
/// as the Block parser: decimal only, integers must fit the type, floats are rounded to it.</summary>
internal static class MachineLiterals
{
    public static bool IsLiteral(Token t) =>
        t.Kind == TokenKind.Number || t.Kind == TokenKind.Identifier && t.Text is "inf" or "nan" or "true" or "false";

    /// <summary>The value of <paramref name="t"/> as a <paramref name="type"/>, or an error message.</summary>
    public static bool TryRead(Token t, DataType type, out Scalar value, out string error)
    {
        value = default;
        error = "";
        string s = t.Text;
        if (type == DataType.Bool)
        {
            switch (s)
            {
                case "true" or "1": value = Scalar.Bool(true); return true;
                case "false" or "0": value = Scalar.Bool(false); return true;
                default: error = $"'{s}' is not a bool literal (true or false)"; return false;
            }
        }
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || s.StartsWith("-0x", StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{s}': write {type.ShortName()} literals in decimal";
            return false;
        }
        if (ScalarSemantics.IsFloat(type))
        {
            double v;
            switch (s)
            {
                case "inf": v = double.PositiveInfinity; break;
                case "-inf": v = double.NegativeInfinity; break;
                case "nan": v = double.NaN; break;
                case "true" or "false": error = $"'{s}' is not a {type.ShortName()} literal"; return false;
                default:
                    if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v))
                    {
                        error = $"'{s}' is not a number";
                        return false;
                    }
                    break;
            }
            value = ScalarSemantics.Normalize(Scalar.Float(v), type);
            return true;
        }
        if (s.Contains('.') || s.Contains('e') || s.Contains('E') || s is "inf" or "-inf" or "nan" or "true" or "false")
        {
            error = $"'{s}' is not an integer literal of type {type.ShortName()}";
            return false;
        }
        long i;
        if (type == DataType.UInt64 && !s.StartsWith('-') && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u)) i = (long)u;
        else if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out i))
        {
            error = $"integer literal '{s}' does not fit in 64 bits";
            return false;
        }
        var n = ScalarSemantics.Normalize(Scalar.Int(i), type);
        if (n.I != i)
        {
            error = $"integer literal '{s}' does not fit in {type.ShortName()}";
            return false;
        }
        value = n;
        return true;
    }
}
