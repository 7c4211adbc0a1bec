namespace Strata.Machine.Lowering;

internal enum LaneKind
{
    /// <summary>The same value in every lane: a scalar register.</summary>
    Uniform,
    /// <summary>An i64 whose lane l holds <c>Reg + l·Stride</c> (Stride ≠ 0): index arithmetic along the vector dim.</summary>
    Affine,
    /// <summary>A vector register, one value per lane.</summary>
    Vector,
    /// <summary>A bool whose lane l is <c>From ≤ l &lt; Reg</c> (i64s; Reg a count in 0..lanes, From absent = 0): a lane
    /// range, from the tail mask <c>idx &lt; bound</c>, the head mask <c>idx ≥ bound</c> and their conjunctions.</summary>
    Tail,
}

/// <summary>An element of a Block value as the lanes of one Machine-level evaluation see it. In a scalar loop nest
/// everything is <see cref="LaneKind.Uniform"/>; in a vectorised one the vector dim's index is Affine with stride 1,
/// and the kinds say what each expression can become without per-lane work (a contiguous vector load, a broadcast,
/// a lane-range-masked access).</summary>
internal readonly record struct LaneValue(LaneKind Kind, Reg Reg, long Stride = 0, Reg? From = null)
{
    public static LaneValue Uniform(Reg r) => new(LaneKind.Uniform, r);
    public static LaneValue Affine(Reg r, long stride) => stride == 0 ? new(LaneKind.Uniform, r) : new(LaneKind.Affine, r, stride);
    public static LaneValue Vector(Reg r) => new(LaneKind.Vector, r);
    public static LaneValue Tail(Reg count, Reg? from = null) => new(LaneKind.Tail, count, 0, from);

    public bool IsUniform => Kind == LaneKind.Uniform;
    public long LinearStride => Kind == LaneKind.Uniform ? 0 : Stride;
}

/// <summary>Thrown inside a vectorisation attempt when an expression has no lane-wise form; the loop nest then falls
/// back to scalar code (always correct). Never escapes the lowering.</summary>
internal sealed class NotVectorisableException(string reason) : Exception(reason);
