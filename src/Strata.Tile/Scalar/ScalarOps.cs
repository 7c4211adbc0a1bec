namespace Strata.Tile;

/// <summary>Scalar unary operations shared by the Tile, Block and Machine levels (one meaning everywhere:
/// <see cref="ScalarSemantics"/>). Text names are the lower-case enum names. <see cref="ExpNonPos"/> is
/// <c>exp(min(x, 0))</c>: <see cref="Exp"/> where the argument is known to be ≤ 0 or NaN (Passes.NonPositiveExp proves
/// it), which lets a backend drop exp's overflow path; defined (as 1) above 0 so every input has one meaning.</summary>
public enum UnaryOp
{
    Neg, Abs, Exp, Log, Sqrt, Rsqrt, Reciprocal, Tanh, Sigmoid, Erf, Gelu, GeluTanh,
    Floor, Ceil, Round, Sign, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh,
    Softplus, Softsign, Relu, Not, IsNaN, IsInf, IsPosInf, IsNegInf, BitNot, ExpNonPos,
}

/// <summary>Scalar binary operations. Comparisons yield bool. Integer <c>Div</c> truncates toward zero,
/// <c>FloorDiv</c>/<c>Mod</c> follow the divisor's sign (index arithmetic), <c>FMod</c> is C fmod.
/// <c>MaxNative</c> is <c>Max</c> where neither operand is NaN (and ±0 may come out as either zero); where one is, its
/// result is any of NaN and the two operands — a backend's plain max instruction (x86 maxps returns the second
/// operand). Only <see cref="ReduceOp.MaxNative"/> makes it; interpreters evaluate it as <c>Max</c>.</summary>
public enum BinaryOp
{
    Add, Sub, Mul, Div, FloorDiv, Mod, FMod, Pow, Max, Min,
    Eq, Ne, Lt, Le, Gt, Ge,
    And, Or, Xor, BitAnd, BitOr, BitXor, Shl, Shr,
    MaxNative,
}

/// <summary>Reductions over one or more axes. ArgMax/ArgMin give the (first or last) index along a single axis.
/// <c>MaxNative</c> is <c>Max</c> over a group without NaN; over one with a NaN its result is unspecified (any value):
/// a lowering uses it only where every result that reads the maximum of such a group is NaN whatever the maximum is
/// (softmax's shift, see ReductionLowerings.Softmax), so a backend may combine with <see cref="BinaryOp.MaxNative"/>
/// (one maxps) instead of a NaN-propagating max.</summary>
public enum ReduceOp
{
    Sum, Prod, Max, Min, ArgMax, ArgMin, ArgMaxLast, ArgMinLast, MaxNative,
}

public static class ScalarOpNames
{
    public static string Name(this UnaryOp op) => op.ToString().ToLowerInvariant();
    public static string Name(this BinaryOp op) => op.ToString().ToLowerInvariant();
    public static string Name(this ReduceOp op) => op.ToString().ToLowerInvariant();

    public static bool TryParseUnary(string name, out UnaryOp op) => Enum.TryParse(name, ignoreCase: true, out op) && op.Name() == name;
    public static bool TryParseBinary(string name, out BinaryOp op) => Enum.TryParse(name, ignoreCase: true, out op) && op.Name() == name;
    public static bool TryParseReduce(string name, out ReduceOp op) => Enum.TryParse(name, ignoreCase: true, out op) && op.Name() == name;

    public static bool IsComparison(this BinaryOp op) => op is BinaryOp.Eq or BinaryOp.Ne or BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge;
    /// <summary>The binary op that combines an accumulator with a value (Sum/Prod/Max/Min/MaxNative); null for the arg reductions.</summary>
    public static BinaryOp? Step(this ReduceOp op) => op switch
    {
        ReduceOp.Sum => BinaryOp.Add,
        ReduceOp.Prod => BinaryOp.Mul,
        ReduceOp.Max => BinaryOp.Max,
        ReduceOp.Min => BinaryOp.Min,
        ReduceOp.MaxNative => BinaryOp.MaxNative,
        _ => null,
    };

    /// <summary>Max or MaxNative: the reductions whose result is the group's maximum (where it holds no NaN).</summary>
    public static bool IsMax(this ReduceOp op) => op is ReduceOp.Max or ReduceOp.MaxNative;

    public static bool IsPredicate(this UnaryOp op) => op is UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf;
}
