using System.Globalization;
using System.Text;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Numbers to and from text for Cast, as the ONNX reference (numpy) does it.</summary>
/// <remarks>
/// Floats print as the shortest text that reads back to the same value, in Python's <c>repr</c> layout:
/// positional for 1e-4 ≤ |x| &lt; 1e16 (<c>0.47892547</c>, <c>1000000.0</c>), otherwise scientific with a
/// two-digit exponent (<c>1e-07</c>, <c>1.5e+20</c>); <c>nan</c>, <c>inf</c>, <c>-inf</c>. A float32 prints
/// its float32 shortest digits, not those of the double it widens to. Integers print in decimal, bool as
/// <c>True</c>/<c>False</c>. Parsing accepts plain and scientific notation and, case-insensitively,
/// <c>NaN</c>, <c>INF</c>, <c>+INF</c>, <c>-INF</c> (and <c>infinity</c>).
/// </remarks>
internal static class CastNumberText
{
    public static Tensor<string> Format(Tensor source)
    {
        var result = new Tensor<string>(source.Shape);
        var d = result.Span;
        switch (source)
        {
            case Tensor<float> t: { var s = t.Span; for (int i = 0; i < d.Length; i++) d[i] = FormatFloat(s[i]); break; }
            case Tensor<double> t: { var s = t.Span; for (int i = 0; i < d.Length; i++) d[i] = FormatDouble(s[i]); break; }
            case Tensor<Half> t: { var s = t.Span; for (int i = 0; i < d.Length; i++) d[i] = FormatHalf(s[i]); break; }
            case Tensor<bool> t: { var s = t.Span; for (int i = 0; i < d.Length; i++) d[i] = s[i] ? "True" : "False"; break; }
            default:
                if (source.DataType.IsFloatingPoint())
                {
                    // bfloat16 and the 8/4-bit floats: the float32 value they decode to.
                    var values = TensorConvert.ToDoubles(source);
                    for (int i = 0; i < d.Length; i++) d[i] = FormatFloat((float)values[i]);
                }
                else
                {
                    var values = TensorConvert.ToInt64s(source);
                    bool unsigned64 = source.DataType == DataType.UInt64;
                    for (int i = 0; i < d.Length; i++)
                        d[i] = unsigned64
                            ? unchecked((ulong)values[i]).ToString(CultureInfo.InvariantCulture)
                            : values[i].ToString(CultureInfo.InvariantCulture);
                }
                break;
        }
        return result;
    }

    public static string FormatFloat(float x) =>
        float.IsFinite(x) ? PythonLayout(x.ToString("R", CultureInfo.InvariantCulture)) : NonFinite(x);

    public static string FormatDouble(double x) =>
        double.IsFinite(x) ? PythonLayout(x.ToString("R", CultureInfo.InvariantCulture)) : NonFinite(x);

    public static string FormatHalf(Half x) =>
        Half.IsFinite(x) ? PythonLayout(x.ToString(CultureInfo.InvariantCulture)) : NonFinite((double)x);

    private static string NonFinite(double x) => double.IsNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";

    /// <summary>Re-lays out .NET's shortest round-trip text (e.g. <c>1.2345679E+08</c>, <c>0.001</c>) the way
    /// Python's <c>repr</c> does; the digits are unchanged.</summary>
    private static string PythonLayout(string roundTrip)
    {
        bool negative = roundTrip.StartsWith('-');
        string body = negative ? roundTrip[1..] : roundTrip;
        int exponent = 0;
        int e = body.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..e];
        }
        int point = body.IndexOf('.');
        string digits = point >= 0 ? body.Remove(point, 1) : body;
        int decimalPoint = (point >= 0 ? point : body.Length) + exponent; // digits d1 d2… mean 0.d1d2… × 10^decimalPoint
        int lead = 0;
        while (lead < digits.Length && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        decimalPoint -= lead;

        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (digits.Length == 0) return sb.Append("0.0").ToString();
        if (decimalPoint > -4 && decimalPoint <= 16)
        {
            if (decimalPoint <= 0) sb.Append("0.").Append('0', -decimalPoint).Append(digits);
            else if (decimalPoint >= digits.Length) sb.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
            else sb.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            int exp10 = decimalPoint - 1;
            sb.Append('e').Append(exp10 < 0 ? '-' : '+').Append(Math.Abs(exp10).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public static double ParseDouble(string text)
    {
        var s = text.AsSpan().Trim();
        if (TryParseSpecial(s, out double special)) return special;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        if (s.Equals("true", StringComparison.OrdinalIgnoreCase)) return 1;
        if (s.Equals("false", StringComparison.OrdinalIgnoreCase)) return 0;
        throw NotANumber(text);
    }

    /// <summary>An integer (exact for the whole int64 and uint64 ranges, uint64 as its bit pattern); a decimal or
    /// scientific literal is truncated toward zero.</summary>
    public static long ParseInteger(string text)
    {
        var s = text.AsSpan().Trim();
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
        if (ulong.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ulong u)) return unchecked((long)u);
        double d = ParseDouble(text);
        return long.CreateSaturating(Math.Truncate(d));
    }

    private static bool TryParseSpecial(ReadOnlySpan<char> s, out double value)
    {
        bool negative = s.StartsWith("-");
        var body = s.StartsWith("-") || s.StartsWith("+") ? s[1..] : s;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = BitConverter.Int64BitsToDouble(negative ? unchecked((long)0xFFF8000000000000) : 0x7FF8000000000000);
            return true;
        }
        value = 0;
        return false;
    }

    private static StrataException NotANumber(string text) => new(ErrorCode.EvaluationFailed,
        $"cannot cast the string '{text}' to a number", "Cast from string accepts decimal or scientific numbers, NaN, INF, +INF and -INF");
}
