using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of pointwise ops (elementwise math, activations, comparisons, Where, Clip, Cast).
/// Each follows its reference op in Strata.Graph/Ops/Elementwise: the same element types (others fall back), numpy
/// broadcasting (and the legacy <c>broadcast</c>/<c>axis</c> attributes before opset 7), and the same order of
/// operations, so results match the reference up to the rounding of one operation. Ops the reference computes
/// through float32 for float16 and bfloat16 (<see cref="ViaFloat"/>) do so here too.</summary>
internal static class PointwiseLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        foreach (var (name, op) in new[] { ("Abs", UnaryOp.Abs), ("Neg", UnaryOp.Neg), ("Sign", UnaryOp.Sign) })
            Add(registry, name, c => NumberUnary(c, x => new Unary(op, x)));

        foreach (var (name, op) in new[]
        {
            ("Reciprocal", UnaryOp.Reciprocal), ("Sqrt", UnaryOp.Sqrt), ("Exp", UnaryOp.Exp), ("Log", UnaryOp.Log),
            ("Ceil", UnaryOp.Ceil), ("Floor", UnaryOp.Floor), ("Round", UnaryOp.Round), ("Erf", UnaryOp.Erf),
            ("Sin", UnaryOp.Sin), ("Cos", UnaryOp.Cos), ("Tan", UnaryOp.Tan), ("Asin", UnaryOp.Asin), ("Acos", UnaryOp.Acos),
            ("Atan", UnaryOp.Atan), ("Sinh", UnaryOp.Sinh), ("Cosh", UnaryOp.Cosh), ("Asinh", UnaryOp.Asinh),
            ("Acosh", UnaryOp.Acosh), ("Atanh", UnaryOp.Atanh), ("Sigmoid", UnaryOp.Sigmoid), ("Tanh", UnaryOp.Tanh),
            ("Softplus", UnaryOp.Softplus), ("Softsign", UnaryOp.Softsign),
        })
            Add(registry, name, c => FloatUnary(c, x => new Unary(op, x)));

        Add(registry, "IsNaN", c => FloatTest(c, x => new Unary(UnaryOp.IsNaN, x)));
        Add(registry, "IsInf", c =>
        {
            bool pos = c.Node.GetInt("detect_positive", 1) != 0, neg = c.Node.GetInt("detect_negative", 1) != 0;
            return FloatTest(c, x => pos && neg ? new Unary(UnaryOp.IsInf, x) : pos ? new Unary(UnaryOp.IsPosInf, x)
                : neg ? new Unary(UnaryOp.IsNegInf, x) : Bool(false));
        });

        foreach (var (name, op) in new[] { ("Add", BinaryOp.Add), ("Sub", BinaryOp.Sub), ("Mul", BinaryOp.Mul), ("Div", BinaryOp.Div) })
            Add(registry, name, c => NumberBinary(c, (a, b) => new Binary(op, a, b)));
        Add(registry, "Mod", c =>
        {
            bool fmod = c.Node.GetInt("fmod", 0) != 0;
            if (!fmod && ScalarSemantics.IsFloat(c.Input(0).Type)) return Lowering.Decline(c, "Mod of floats needs fmod = 1 (the reference rejects it)");
            return NumberBinary(c, (a, b) => new Binary(fmod ? BinaryOp.FMod : BinaryOp.Mod, a, b));
        });
        Add(registry, "Pow", Pow);

        foreach (var (name, op) in new[] { ("Less", BinaryOp.Lt), ("Greater", BinaryOp.Gt), ("LessOrEqual", BinaryOp.Le), ("GreaterOrEqual", BinaryOp.Ge) })
            Add(registry, name, c => NumberBinary(c, (a, b) => new Binary(op, a, b)));
        Add(registry, "Equal", c => Operands(c) is var (a, b) && a.Type == b.Type ? Zip([a, b], e => new Binary(BinaryOp.Eq, e[0], e[1])) : null);

        foreach (var (name, op) in new[] { ("And", BinaryOp.And), ("Or", BinaryOp.Or), ("Xor", BinaryOp.Xor) })
            Add(registry, name, c => Operands(c) is var (a, b) && a.Type == DataType.Bool && b.Type == DataType.Bool
                ? Zip([a, b], e => new Binary(op, e[0], e[1])) : null);
        Add(registry, "Not", c => c.Input(0) is { Type: DataType.Bool } x ? Map(x, e => new Unary(UnaryOp.Not, e)) : null);

        foreach (var (name, op) in new[] { ("BitwiseAnd", BinaryOp.BitAnd), ("BitwiseOr", BinaryOp.BitOr), ("BitwiseXor", BinaryOp.BitXor) })
            Add(registry, name, c => IntegerBinary(c, (a, b) => new Binary(op, a, b)));
        Add(registry, "BitwiseNot", c => c.Input(0) is var x && x.Type.IsInteger() ? Map(x, e => new Unary(UnaryOp.BitNot, e)) : null);
        Add(registry, "BitShift", c => c.Node.GetString("direction", "") switch
        {
            "LEFT" => IntegerBinary(c, (a, b) => new Binary(BinaryOp.Shl, a, b)),
            // Shr is a logical shift: the reference shifts signed types arithmetically (ONNX defines only unsigned).
            "RIGHT" when c.Input(0).Type.IsUnsignedInteger() => IntegerBinary(c, (a, b) => new Binary(BinaryOp.Shr, a, b)),
            _ => null,
        });

        Add(registry, "Where", c =>
        {
            var (cond, x, y) = (c.Input(0), c.Input(1), c.Input(2));
            if (cond.Type != DataType.Bool || x.Type != y.Type) return null;
            return Zip([cond, x, y], e => new Select(e[0], e[1], e[2]), x.Type);
        });

        Add(registry, "Min", c => Variadic(c, (a, b) => new Binary(BinaryOp.Min, a, b)));
        Add(registry, "Max", c => Variadic(c, (a, b) => new Binary(BinaryOp.Max, a, b)));
        Add(registry, "Sum", c => Variadic(c, (a, b) => new Binary(BinaryOp.Add, a, b)));
        Add(registry, "Mean", c =>
        {
            int n = Enumerable.Range(0, c.Inputs.Count).Count(c.HasInput);
            var sum = Variadic(c, (a, b) => new Binary(BinaryOp.Add, a, b));
            return sum is null || n == 1 ? sum : Map(sum, e => new Binary(BinaryOp.Div, e, Const(n, e.Type)));
        });

        Add(registry, "Cast", c =>
        {
            if (c.Node.Attr("to") is null) return null;
            var to = (DataType)c.Node.GetInt("to", 0);
            return ScalarSemantics.IsSupported(to) ? Map(c.Input(0), e => CastTo(e, to)) : null;
        });
        Add(registry, "CastLike", c => c.HasInput(1) ? Map(c.Input(0), e => CastTo(e, c.Input(1).Type)) : null);
        Add(registry, "Identity", c => c.HasInput(0) ? c.Input(0) : null);

        ActivationLowerings.Register(registry);
        InferenceModeLowerings.Register(registry);
        QuantizationLowerings.Register(registry);
    }

    public static void Add(ExtensionRegistry registry, string op, Func<TileLoweringContext, TileValue?> lower) =>
        registry.AddLowering("", op, Lowering.Of(lower));

    /// <summary>A unary op on any numeric type (not bool), as the reference's MapNumber.</summary>
    public static TileValue? NumberUnary(TileLoweringContext c, Func<Expr, Expr> f) =>
        !c.HasInput(0) ? null : IsNumber(c.Input(0).Type) ? Map(c.Input(0), f) : Lowering.Decline(c, $"{c.Node.OpType} is not defined on {c.Input(0).Type.ShortName()}");

    /// <summary>A unary op on floating-point types, computed in float32 for float16 and bfloat16 (the reference's MapFloat).</summary>
    public static TileValue? FloatUnary(TileLoweringContext c, Func<Expr, Expr> f) =>
        !c.HasInput(0) ? null : ScalarSemantics.IsFloat(c.Input(0).Type) ? Map(c.Input(0), x => ViaFloat(x, f))
            : Lowering.Decline(c, $"{c.Node.OpType} is defined on floating-point types, not {c.Input(0).Type.ShortName()}");

    /// <summary><paramref name="f"/> applied to <paramref name="x"/>, in float32 when x is float16 or bfloat16.</summary>
    public static Expr ViaFloat(Expr x, Func<Expr, Expr> f) =>
        x.Type is DataType.Float16 or DataType.BFloat16 ? CastTo(f(CastTo(x, DataType.Float32)), x.Type) : f(x);

    private static TileValue? FloatTest(TileLoweringContext c, Func<Expr, Expr> f) =>
        c.HasInput(0) && ScalarSemantics.IsFloat(c.Input(0).Type) ? Map(c.Input(0), f) : null;

    /// <summary>The two operands of a binary op, with the right one lined up for the legacy broadcasting of opsets
    /// before 7 (<c>broadcast = 1</c> with <c>axis</c>: its dims start at that axis of the left one); null when
    /// an operand is missing or does not fit.</summary>
    public static (TileValue A, TileValue B)? Operands(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !c.HasInput(1)) return null;
        TileValue a = c.Input(0), b = c.Input(1);
        if (c.Opset >= 7 || c.Node.GetInt("broadcast", 0) == 0) return (a, b);
        if (c.Node.Attr("axis") is not null)
        {
            if (Lowering.Axis(c.Node.GetInt("axis", 0), a.Rank) is not { } axis) return null;
            int trailing = a.Rank - axis - b.Rank;
            if (trailing < 0) return null;
            var inner = b;
            b = new TileValue(b.Type, [.. b.Shape, .. Enumerable.Repeat(1L, trailing)], idx => inner.At(idx.Take(inner.Rank).ToArray()));
        }
        return BroadcastShape([a.Shape, b.Shape]) is { } s && s.SequenceEqual(a.Shape) ? (a, b) : null;
    }

    /// <summary>A broadcasting binary op on two operands of the same numeric type (the reference's BinaryNumber).</summary>
    public static TileValue? NumberBinary(TileLoweringContext c, Func<Expr, Expr, Expr> f) =>
        Operands(c) is var (a, b) && a.Type == b.Type && IsNumber(a.Type) ? Zip([a, b], e => f(e[0], e[1])) : null;

    private static TileValue? IntegerBinary(TileLoweringContext c, Func<Expr, Expr, Expr> f) =>
        c.HasInput(0) && c.HasInput(1) && c.Input(0).Type == c.Input(1).Type && c.Input(0).Type.IsInteger()
            ? Zip([c.Input(0), c.Input(1)], e => f(e[0], e[1])) : null;

    /// <summary>Min/Max/Sum over all given inputs, folded left to right with broadcasting.</summary>
    private static TileValue? Variadic(TileLoweringContext c, Func<Expr, Expr, Expr> f)
    {
        var xs = Enumerable.Range(0, c.Inputs.Count).Where(c.HasInput).Select(c.Input).ToList();
        if (xs.Count == 0 || xs.Any(x => x.Type != xs[0].Type) || !IsNumber(xs[0].Type)) return null;
        return Zip(xs, e => e.Skip(1).Aggregate(e[0], f), xs[0].Type);
    }

    /// <summary>Pow as numpy's <c>power(x, y).astype(x.dtype)</c>: exact wrapping integer powers when both are
    /// integers (computed in i64: the low bits of the power do not depend on the width), otherwise in double and
    /// converted to the base's type.</summary>
    private static TileValue? Pow(TileLoweringContext c)
    {
        if (Operands(c) is not var (x, y) || !IsNumber(x.Type) || !IsNumber(y.Type)) return null;
        bool xInt = !ScalarSemantics.IsFloat(x.Type), yInt = !ScalarSemantics.IsFloat(y.Type);
        if (xInt && yInt)
        {
            // A uint64 base that reads as -1 in i64 would take the ±1 branch of negative exponents.
            if (x.Type == DataType.UInt64) return null;
            return Zip([x, y], e => CastTo(new Binary(BinaryOp.Pow, CastTo(e[0], DataType.Int64), CastTo(e[1], DataType.Int64)), x.Type), x.Type);
        }
        // An f32 square (a LayerNorm written out as ReduceMean(Pow(x − mean, 2))) is a product: the reference's
        // pow of the f32 base in double is exact (48 bits), so its rounding to f32 is the product's (NaN, ±∞, −0 alike);
        // the vector pow took 60× the product's time there.
        if (x.Type == DataType.Float32 && y.Type is DataType.Float32 or DataType.Float64)
            return Zip([x, y], e => IsTwo(e[1]) ? new Binary(BinaryOp.Mul, e[0], e[0])
                : y.Type == DataType.Float32 ? new Binary(BinaryOp.Pow, e[0], e[1])
                : CastTo(new Binary(BinaryOp.Pow, CastTo(e[0], DataType.Float64), e[1]), x.Type), x.Type);
        if (x.Type == y.Type && x.Type is DataType.Float64)
            return Zip([x, y], e => new Binary(BinaryOp.Pow, e[0], e[1]));
        return Zip([x, y], e => CastTo(new Binary(BinaryOp.Pow, CastTo(e[0], DataType.Float64), CastTo(e[1], DataType.Float64)), x.Type), x.Type);
    }

    private static bool IsTwo(Expr e) => e is Constant { ConstantType: DataType.Float32 or DataType.Float64 } k && k.Value.F == 2.0;

    public static bool IsNumber(DataType t) => ScalarSemantics.IsSupported(t) && t != DataType.Bool;
}
