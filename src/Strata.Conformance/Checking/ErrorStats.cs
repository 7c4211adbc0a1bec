using Strata.Core;

namespace Strata.Conformance.Checking;

/// <summary>How far a result is from its expected value, element by element: the largest absolute error, the largest
/// relative error (|a − e| / |e|), and where the worst element is (the one that exceeds its tolerance
/// <c>atol + rtol·|e|</c> by the largest margin; a NaN or infinity where the other side differs counts as infinitely
/// wrong). <see cref="Mismatched"/> counts the elements outside tolerance, with <see cref="ValueComparer"/>'s rules.</summary>
public sealed record ErrorStats(double MaxAbsError, double MaxRelError, int[] WorstIndex, double Got, double Expected, int Mismatched, int Total)
{
    /// <summary>The statistics of <paramref name="actual"/> against <paramref name="expected"/> (same element type and
    /// shape), or null when the elements are not numbers.</summary>
    public static ErrorStats? Of(Tensor actual, Tensor expected, ValueComparer tolerance)
    {
        double[] a, e;
        try
        {
            a = TensorConvert.ToDoubles(actual);
            e = TensorConvert.ToDoubles(expected);
        }
        catch (StrataException)
        {
            return null;
        }
        if (a.Length != e.Length) return null;
        bool exact = !expected.DataType.IsFloatingPoint();
        double maxAbs = 0, maxRel = 0, worstMargin = double.NegativeInfinity;
        int worst = 0, mismatched = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double abs = AbsError(a[i], e[i]);
            double rel = abs == 0 ? 0 : e[i] == 0 ? double.PositiveInfinity : abs / Math.Abs(e[i]);
            double allowed = exact ? 0 : tolerance.AbsoluteTolerance + tolerance.RelativeTolerance * Math.Abs(e[i]);
            bool outside = double.IsPositiveInfinity(abs) || abs > allowed;
            double margin = double.IsPositiveInfinity(abs) ? abs : abs - allowed;
            if (outside) mismatched++;
            maxAbs = Math.Max(maxAbs, abs);
            maxRel = Math.Max(maxRel, rel);
            if (margin > worstMargin) { worstMargin = margin; worst = i; }
        }
        return new ErrorStats(maxAbs, maxRel, Unflatten(worst, expected.Shape), e.Length == 0 ? 0 : a[worst], e.Length == 0 ? 0 : e[worst],
            mismatched, e.Length);
    }

    /// <summary>|a − e|, with NaN = NaN and equal infinities giving 0, and any other NaN or infinity mismatch giving +∞.</summary>
    public static double AbsError(double a, double e)
    {
        if (double.IsNaN(a) || double.IsNaN(e)) return double.IsNaN(a) && double.IsNaN(e) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(a) || double.IsInfinity(e)) return a == e ? 0 : double.PositiveInfinity;
        return Math.Abs(a - e);
    }

    /// <summary>The multi-index of a row-major flat index.</summary>
    public static int[] Unflatten(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 0) break;
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }
}
