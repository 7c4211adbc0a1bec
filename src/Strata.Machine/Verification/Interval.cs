using System.Globalization;

namespace Strata.Machine.Verification;

/// <summary>A set of i64 values [<see cref="Lo"/>, <see cref="Hi"/>] (empty when Lo &gt; Hi). Arithmetic is exact: a
/// bound that would leave the i64 range makes the result <see cref="Top"/>, because the register would wrap.</summary>
public readonly record struct Interval(long Lo, long Hi)
{
    public static readonly Interval Top = new(long.MinValue, long.MaxValue);
    public static readonly Interval Empty = new(1, 0);

    public static Interval Of(long v) => new(v, v);

    public bool IsEmpty => Lo > Hi;
    public bool IsConstant => Lo == Hi;

    public Interval Hull(Interval o) => IsEmpty ? o : o.IsEmpty ? this : new(Math.Min(Lo, o.Lo), Math.Max(Hi, o.Hi));

    public Interval Intersect(Interval o)
    {
        var r = new Interval(Math.Max(Lo, o.Lo), Math.Min(Hi, o.Hi));
        return IsEmpty || o.IsEmpty || r.IsEmpty ? Empty : r;
    }

    private static Interval Exact(Int128 lo, Int128 hi) =>
        lo < long.MinValue || hi > long.MaxValue ? Top : new((long)lo, (long)hi);

    public static Interval operator +(Interval a, Interval b) => a.IsEmpty || b.IsEmpty ? Empty : Exact((Int128)a.Lo + b.Lo, (Int128)a.Hi + b.Hi);

    public static Interval operator -(Interval a, Interval b) => a.IsEmpty || b.IsEmpty ? Empty : Exact((Int128)a.Lo - b.Hi, (Int128)a.Hi - b.Lo);

    public static Interval operator *(Interval a, Interval b)
    {
        if (a.IsEmpty || b.IsEmpty) return Empty;
        Int128[] p = [(Int128)a.Lo * b.Lo, (Int128)a.Lo * b.Hi, (Int128)a.Hi * b.Lo, (Int128)a.Hi * b.Hi];
        return Exact(p.Min(), p.Max());
    }

    public static Interval Min(Interval a, Interval b) => a.IsEmpty || b.IsEmpty ? Empty : new(Math.Min(a.Lo, b.Lo), Math.Min(a.Hi, b.Hi));

    public static Interval Max(Interval a, Interval b) => a.IsEmpty || b.IsEmpty ? Empty : new(Math.Max(a.Lo, b.Lo), Math.Max(a.Hi, b.Hi));

    public override string ToString() => IsEmpty ? "[]"
        : $"[{(Lo == long.MinValue ? "-inf" : Lo.ToString(CultureInfo.InvariantCulture))}, {(Hi == long.MaxValue ? "inf" : Hi.ToString(CultureInfo.InvariantCulture))}]";
}
