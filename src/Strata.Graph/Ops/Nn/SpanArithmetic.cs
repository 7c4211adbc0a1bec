using System.Numerics;

namespace Strata.Graph.Ops;

/// <summary>Small in-place span operations shared by the nn kernels.</summary>
internal static class SpanArithmetic
{
    /// <summary>Adds <paramref name="value"/> to every element (a per-channel bias).</summary>
    public static void Add<T>(this Span<T> span, T value) where T : INumber<T>
    {
        for (int i = 0; i < span.Length; i++) span[i] += value;
    }
}
