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
/// <c>FloorDiv</c>/<c>Mod</c> follow the divisor's sign (index arithmetic), <c>FMod</c> is C fmod.</summary>
public enum BinaryOp
{
    Add, Sub, Mul, Div, FloorDiv, Mod, FMod, Pow, Max, Min,
    Eq, Ne, Lt, Le, Gt, Ge,
    And, Or, Xor, BitAnd, BitOr, BitXor, Shl, Shr,
}

/// <summary>Reductions over one or more axes. ArgMax/ArgMin give the (first or last) index along a single axis.</summary>
public enum ReduceOp
{
    Sum, Prod, Max, Min, ArgMax, ArgMin, ArgMaxLast, ArgMinLast,
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
    public static bool IsPredicate(this UnaryOp op) => op is UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf;
}
