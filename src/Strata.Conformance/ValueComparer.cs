using System.Globalization;
using Strata.Core;

namespace Strata.Conformance;

/// <summary>Compares an output with its expected value like ONNX's backend test runner: same kind, element
/// type and shape; floating-point elements within <c>|a − e| ≤ atol + rtol·|e|</c> (NaN equals NaN,
/// infinities equal when their signs are), everything else exactly; sequences element by element,
/// optionals by presence and value.</summary>
public sealed record ValueComparer(double RelativeTolerance = 1e-3, double AbsoluteTolerance = 1e-7)
{
    public static readonly ValueComparer Default = new();

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else what differs.</summary>
    public string? Compare(RuntimeValue? actual, RuntimeValue expected)
    {
        switch (expected)
        {
            case Tensor e:
                return actual is Tensor t ? CompareTensors(t, e) : $"expected a tensor {e.Type}, got {Describe(actual)}";
            case TensorSequence e:
            {
                if (actual is not TensorSequence s) return $"expected a sequence of {e.Count} values, got {Describe(actual)}";
                if (s.Count != e.Count) return $"sequence has {s.Count} values, expected {e.Count}";
                for (int i = 0; i < e.Count; i++)
                    if (Compare(s.Items[i], e.Items[i]) is { } why) return $"sequence item {i}: {why}";
                return null;
            }
            case OptionalValue e:
            {
                if (actual is not OptionalValue o) return $"expected an optional, got {Describe(actual)}";
                if (o.HasValue != e.HasValue) return e.HasValue ? "optional is empty, expected a value" : "optional has a value, expected empty";
                return e.Value is null ? null : Compare(o.Value, e.Value) is { } why ? $"optional value: {why}" : null;
            }
            default:
                return $"cannot compare values of kind {expected.GetType().Name}";
        }
    }

    private static string Describe(RuntimeValue? v) => v switch
    {
        null => "nothing (the output was not produced)",
        Tensor t => $"a tensor {t.Type}",
        TensorSequence s => $"a sequence of {s.Count} values",
        OptionalValue o => o.HasValue ? "an optional with a value" : "an empty optional",
        _ => v.GetType().Name,
    };

    private string? CompareTensors(Tensor a, Tensor e)
    {
        if (a.DataType != e.DataType) return $"element type {a.DataType.ShortName()}, expected {e.DataType.ShortName()}";
        if (!a.Shape.AsSpan().SequenceEqual(e.Shape)) return $"shape {ShapeMath.Format(a.Shape)}, expected {ShapeMath.Format(e.Shape)}";
        return a switch
        {
            Tensor<float> x => Close(x.Span, ((Tensor<float>)e).Span, e.Shape),
            Tensor<double> x => Close(x.Span, ((Tensor<double>)e).Span, e.Shape),
            Tensor<Half> x => CloseViaDouble(ToDoubles(x.Span, v => (double)v), ToDoubles(((Tensor<Half>)e).Span, v => (double)v), e.Shape),
            Tensor<BFloat16> x => CloseViaDouble(ToDoubles(x.Span, v => (float)v), ToDoubles(((Tensor<BFloat16>)e).Span, v => (float)v), e.Shape),
            Tensor<Float8E4M3FN> x => BitsThenValues(x, (Tensor<Float8E4M3FN>)e, v => (float)v),
            Tensor<Float8E4M3FNUZ> x => BitsThenValues(x, (Tensor<Float8E4M3FNUZ>)e, v => (float)v),
            Tensor<Float8E5M2> x => BitsThenValues(x, (Tensor<Float8E5M2>)e, v => (float)v),
            Tensor<Float8E5M2FNUZ> x => BitsThenValues(x, (Tensor<Float8E5M2FNUZ>)e, v => (float)v),
            Tensor<Float8E8M0> x => BitsThenValues(x, (Tensor<Float8E8M0>)e, v => (float)v),
            Tensor<Float4E2M1> x => BitsThenValues(x, (Tensor<Float4E2M1>)e, v => (float)v),
            _ => Exact(a, e),
        };
    }

    private string? Close(ReadOnlySpan<float> a, ReadOnlySpan<float> e, int[] shape)
    {
        int bad = 0, first = -1;
        for (int i = 0; i < e.Length; i++)
            if (!Near(a[i], e[i])) { bad++; if (first < 0) first = i; }
        return bad == 0 ? null : Mismatch(bad, e.Length, first, shape, Fmt(a[first]), Fmt(e[first]), true);
    }

    private string? Close(ReadOnlySpan<double> a, ReadOnlySpan<double> e, int[] shape)
    {
        int bad = 0, first = -1;
        for (int i = 0; i < e.Length; i++)
            if (!Near(a[i], e[i])) { bad++; if (first < 0) first = i; }
        return bad == 0 ? null : Mismatch(bad, e.Length, first, shape, Fmt(a[first]), Fmt(e[first]), true);
    }

    private string? CloseViaDouble(double[] a, double[] e, int[] shape) => Close(a.AsSpan(), e.AsSpan(), shape);

    private string? BitsThenValues<T>(Tensor<T> a, Tensor<T> e, Func<T, float> decode)
    {
        // Low-precision floats: identical encodings match without decoding; others are compared as values.
        if (a.Span.SequenceEqual(e.Span)) return null;
        return CloseViaDouble(ToDoubles(a.Span, v => decode(v)), ToDoubles(e.Span, v => decode(v)), e.Shape);
    }

    private bool Near(double a, double e)
    {
        if (double.IsNaN(e) || double.IsNaN(a)) return double.IsNaN(e) && double.IsNaN(a);
        if (double.IsInfinity(e) || double.IsInfinity(a)) return a == e;
        return Math.Abs(a - e) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e);
    }

    private static double[] ToDoubles<T>(ReadOnlySpan<T> s, Func<T, double> f)
    {
        var r = new double[s.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(s[i]);
        return r;
    }

    private string? Exact(Tensor a, Tensor e) => a switch
    {
        Tensor<sbyte> x => ExactT(x, (Tensor<sbyte>)e),
        Tensor<short> x => ExactT(x, (Tensor<short>)e),
        Tensor<int> x => ExactT(x, (Tensor<int>)e),
        Tensor<long> x => ExactT(x, (Tensor<long>)e),
        Tensor<byte> x => ExactT(x, (Tensor<byte>)e),
        Tensor<ushort> x => ExactT(x, (Tensor<ushort>)e),
        Tensor<uint> x => ExactT(x, (Tensor<uint>)e),
        Tensor<ulong> x => ExactT(x, (Tensor<ulong>)e),
        Tensor<bool> x => ExactT(x, (Tensor<bool>)e),
        Tensor<string> x => ExactT(x, (Tensor<string>)e),
        Tensor<Int4> x => ExactT(x, (Tensor<Int4>)e),
        Tensor<UInt4> x => ExactT(x, (Tensor<UInt4>)e),
        Tensor<Int2> x => ExactT(x, (Tensor<Int2>)e),
        Tensor<UInt2> x => ExactT(x, (Tensor<UInt2>)e),
        _ => $"cannot compare tensors of {e.DataType}",
    };

    private string? ExactT<T>(Tensor<T> a, Tensor<T> e)
    {
        var x = a.Span;
        var y = e.Span;
        var cmp = EqualityComparer<T>.Default;
        int bad = 0, first = -1;
        for (int i = 0; i < y.Length; i++)
            if (!cmp.Equals(x[i], y[i])) { bad++; if (first < 0) first = i; }
        return bad == 0 ? null : Mismatch(bad, y.Length, first, e.Shape, Fmt(x[first]), Fmt(y[first]), false);
    }

    private string Mismatch(int bad, int total, int first, int[] shape, string got, string want, bool tolerant) =>
        $"{bad} of {total} elements differ{(tolerant ? $" (rtol {RelativeTolerance.ToString(CultureInfo.InvariantCulture)}, atol {AbsoluteTolerance.ToString(CultureInfo.InvariantCulture)})" : "")}; " +
        $"first at {IndexText(first, shape)}: got {got}, expected {want}";

    private static string IndexText(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 0) break;
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return "[" + string.Join(",", idx) + "]";
    }

    private static string Fmt<T>(T v) => v switch
    {
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => "\"" + s + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v?.ToString() ?? "null",
    };
}
