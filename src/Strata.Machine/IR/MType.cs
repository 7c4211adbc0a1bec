using Strata.Core;

namespace Strata.Machine;

/// <summary>The type of a Machine register: a scalar (<see cref="Lanes"/> = 1: <c>f32</c>, <c>i64</c>, <c>bool</c>) or
/// a vector of the target's width (<c>v8f32</c>; <c>v8bool</c> is a lane mask produced by vector comparisons).
/// Vectors exist only of 4- and 8-byte numeric types and of bool (see <see cref="Target.Lanes"/>).</summary>
public readonly record struct MType(DataType Element, int Lanes)
{
    public static MType Scalar(DataType t) => new(t, 1);
    public static MType Vector(DataType t, int lanes) => new(t, lanes);
    public static readonly MType I64 = new(DataType.Int64, 1);
    public static readonly MType Bool = new(DataType.Bool, 1);

    public bool IsVector => Lanes > 1;
    public MType ScalarType => new(Element, 1);
    public MType WithElement(DataType t) => new(t, Lanes);

    /// <summary><c>f32</c>, <c>i64</c>, <c>v8f32</c>, <c>v8bool</c>.</summary>
    public override string ToString() => (IsVector ? "v" + Lanes : "") + Element.ShortName();
}
