using Strata.Core;

namespace Strata.Tile;

/// <summary>A scalar at run time in the Tile/Block/Machine interpreters: floating-point types use <see cref="F"/>
/// (a double, rounded to the element type after every operation), integer and bool types use <see cref="I"/>
/// (a long, wrapped to the element type's width). The static type says which field is meaningful.</summary>
public readonly record struct Scalar(long I, double F)
{
    public static Scalar Int(long v) => new(v, 0);
    public static Scalar Float(double v) => new(0, v);
    public static Scalar Bool(bool v) => new(v ? 1 : 0, 0);

    public bool AsBool => I != 0;

    /// <summary>The value as a double, whatever the type.</summary>
    public double ToDouble(DataType type) => ScalarSemantics.IsFloat(type) ? F
        : type == DataType.UInt64 ? (double)(ulong)I : I;

    public override string ToString() => $"(I={I}, F={F})";
}
