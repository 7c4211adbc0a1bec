using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Reads single-element control inputs (conditions, trip counts, positions) with clear errors.</summary>
internal static class Scalars
{
    public static bool Bool(OpContext c, Tensor t, string what)
    {
        if (t.Length != 1)
            throw c.Error(ErrorCode.InvalidShape, $"{what} must have exactly one element, got shape {ShapeMath.Format(t.Shape)}",
                $"pass a scalar (or one-element) tensor as {what}");
        return t is Tensor<bool> b ? b[0] : TensorConvert.ToDoubles(t)[0] != 0;
    }

    public static long Int(OpContext c, Tensor t, string what)
    {
        if (t.Length != 1)
            throw c.Error(ErrorCode.InvalidShape, $"{what} must have exactly one element, got shape {ShapeMath.Format(t.Shape)}",
                $"pass a scalar (or one-element) tensor as {what}");
        if (!t.DataType.IsInteger())
            throw c.Error(ErrorCode.TypeMismatch, $"{what} must be an integer tensor, got {t.DataType.ShortName()}");
        return TensorConvert.ToInt64s(t)[0];
    }
}
