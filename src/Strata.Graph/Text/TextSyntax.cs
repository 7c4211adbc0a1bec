using System.Globalization;
using System.Text;
using Strata.Core;

namespace Strata.Graph.Text;

/// <summary>Lexical rules of the level-0 text form shared by <see cref="GraphPrinter"/> and <see cref="GraphParser"/>:
/// which names print bare and which are quoted, string escapes, and the number formats.</summary>
public static class TextSyntax
{
    /// <summary>True for characters allowed in a bare value name (<c>%a.b-1_c</c>).</summary>
    public static bool IsValueNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';

    /// <summary>True for characters that may start a bare identifier (op types, attribute names, symbols, domains).</summary>
    public static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    /// <summary>True for characters that may continue a bare identifier.</summary>
    public static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.';

    /// <summary>A value reference: <c>%x</c>, or <c>%"a/b:0"</c> when the name has other characters (or is empty).</summary>
    public static string ValueRef(string name) => "%" + (IsBareValueName(name) ? name : Quote(name));

    /// <summary>A graph reference: <c>@main</c>, or <c>@"my graph"</c>.</summary>
    public static string GraphRef(string name) => "@" + (IsBareValueName(name) ? name : Quote(name));

    /// <summary>An identifier (op type, attribute name, domain, dim symbol, metadata key), quoted unless it is
    /// a bare identifier. <c>_</c> alone is always quoted: it means "omitted".</summary>
    public static string Identifier(string name) => IsBareIdentifier(name) ? name : Quote(name);

    public static bool IsBareValueName(string name)
    {
        if (name.Length == 0) return false;
        foreach (char c in name)
            if (!IsValueNameChar(c)) return false;
        return true;
    }

    public static bool IsBareIdentifier(string name)
    {
        if (name.Length == 0 || !IsIdentifierStart(name[0]) || name == "_") return false;
        foreach (char c in name)
            if (!IsIdentifierChar(c)) return false;
        return true;
    }

    /// <summary>A JSON-style quoted string: <c>\" \\ \n \r \t \b \f</c>, other control characters and every
    /// UTF-16 surrogate as <c>\uXXXX</c> (so text with lone surrogates round-trips).</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendQuoted(sb, s);
        return sb.ToString();
    }

    public static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x7F || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u0085')
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>A float in shortest round-trip form that always reads back as a float: it has a decimal
    /// point or an exponent (<c>1.0</c>, <c>-0.0</c>, <c>1E-07</c>), or is <c>inf</c>/<c>-inf</c>. NaNs are
    /// printed by their bits (<c>0x7FC00000</c>), which is only unambiguous where the type is stated.</summary>
    public static string FormatFloat(float f)
    {
        if (float.IsNaN(f)) return "0x" + BitConverter.SingleToUInt32Bits(f).ToString("X8", CultureInfo.InvariantCulture);
        if (float.IsPositiveInfinity(f)) return "inf";
        if (float.IsNegativeInfinity(f)) return "-inf";
        string s = f.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s : s + ".0";
    }

    public static string FormatInt(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text of a static type: <c>f32[128,batch,?]</c>, <c>f32[*]</c>, <c>seq&lt;f32[3]&gt;</c>,
    /// <c>opt&lt;…&gt;</c>, or <c>?</c> for an unknown type (null).</summary>
    public static string FormatType(Core.ValueType? type)
    {
        var sb = new StringBuilder();
        AppendType(sb, type);
        return sb.ToString();
    }

    public static void AppendType(StringBuilder sb, Core.ValueType? type)
    {
        switch (type)
        {
            case null: sb.Append('?'); break;
            case TensorType t:
                sb.Append(t.ElementType == DataType.Undefined ? "?" : t.ElementType.ShortName());
                AppendShape(sb, t.Shape);
                break;
            case SequenceType s:
                sb.Append("seq<");
                AppendType(sb, s.ElementType);
                sb.Append('>');
                break;
            case OptionalType o:
                sb.Append("opt<");
                AppendType(sb, o.ElementType);
                sb.Append('>');
                break;
            default:
                throw new StrataException(ErrorCode.InvalidIr, $"type {type.GetType().Name} has no text form",
                    "use a TensorType, SequenceType or OptionalType");
        }
    }

    public static void AppendShape(StringBuilder sb, Shape? shape)
    {
        if (shape is null) { sb.Append("[*]"); return; }
        sb.Append('[');
        for (int i = 0; i < shape.Rank; i++)
        {
            if (i > 0) sb.Append(',');
            var d = shape[i];
            if (d.Value is { } v) sb.Append(v.ToString(CultureInfo.InvariantCulture));
            else if (d.Symbol is { } s) sb.Append(Identifier(s));
            else sb.Append('?');
        }
        sb.Append(']');
    }
}
