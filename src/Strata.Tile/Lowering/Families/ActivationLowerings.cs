using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of activation functions, written with the same operations in the same order as the
/// reference (Strata.Graph/Ops/Elementwise/ActivationOps.cs): attribute constants are converted to the element
/// type first (<c>T.CreateTruncating(alpha)</c>), float16 and bfloat16 compute in float32, and the ops the reference
/// computes in double (Gelu, Shrink) do so here.</summary>
internal static class ActivationLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        Add(registry, "Relu", c => PointwiseLowerings.NumberUnary(c, x => new Unary(UnaryOp.Relu, x)));
        Add(registry, "PRelu", c => PointwiseLowerings.NumberBinary(c, (x, slope) => Select(Lt(x, Zero(x)), Mul(x, slope), x)));
        Add(registry, "Shrink", Shrink);
        Add(registry, "Clip", Clip);

        Float(registry, "LeakyRelu", (c, x) => Select(Lt(x, Zero(x)), Mul(Attr(c, "alpha", 0.01f, x), x), x));
        Float(registry, "Elu", (c, x) => Select(Lt(x, Zero(x)), Mul(Attr(c, "alpha", 1f, x), Sub(Exp(x), One(x))), x));
        Float(registry, "Selu", (c, x) =>
        {
            Expr a = Attr(c, "alpha", 1.67326319217681884765625f, x), g = Attr(c, "gamma", 1.05070102214813232421875f, x);
            return Select(Le(x, Zero(x)), Mul(g, Sub(Mul(a, Exp(x)), a)), Mul(g, x));
        });
        Float(registry, "Celu", (c, x) =>
        {
            var a = Attr(c, "alpha", 1f, x);
            return Add(Max(Zero(x), x), Min(Zero(x), Mul(a, Sub(Exp(Div(x, a)), One(x)))));
        });
        Float(registry, "HardSigmoid", (c, x) =>
            Max(Zero(x), Min(One(x), Add(Mul(Attr(c, "alpha", 0.2f, x), x), Attr(c, "beta", 0.5f, x)))));
        Float(registry, "HardSwish", (_, x) => Mul(x, Max(Zero(x), Min(One(x), Add(Mul(Const(1.0 / 6, x.Type), x), Const(0.5, x.Type))))));
        Float(registry, "Mish", (_, x) => Mul(x, new Unary(UnaryOp.Tanh, new Unary(UnaryOp.Softplus, x))));
        Float(registry, "ThresholdedRelu", (c, x) => Select(new Binary(BinaryOp.Gt, x, Attr(c, "alpha", 1f, x)), x, Zero(x)));
        Float(registry, "Swish", (c, x) => Mul(x, new Unary(UnaryOp.Sigmoid, Mul(Attr(c, "alpha", 1f, x), x))));
        Add(registry, "Gelu", c => c.Node.GetString("approximate", "none") switch
        {
            "none" => PointwiseLowerings.FloatUnary(c, x => new Unary(UnaryOp.Gelu, x)),
            "tanh" => PointwiseLowerings.FloatUnary(c, x => new Unary(UnaryOp.GeluTanh, x)),
            _ => null,
        });
    }

    private static void Add(ExtensionRegistry registry, string op, Func<TileLoweringContext, TileValue?> lower) =>
        PointwiseLowerings.Add(registry, op, lower);

    private static void Float(ExtensionRegistry registry, string op, Func<TileLoweringContext, Expr, Expr> f) =>
        Add(registry, op, c => PointwiseLowerings.FloatUnary(c, x => f(c, x)));

    /// <summary>Shrink, computed in double and converted back (so integer inputs work as numpy's astype does).</summary>
    private static TileValue? Shrink(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !PointwiseLowerings.IsNumber(c.Input(0).Type)) return null;
        double bias = c.Node.GetFloat("bias", 0f), lambd = c.Node.GetFloat("lambd", 0.5f);
        const DataType f64 = DataType.Float64;
        return Map(c.Input(0), x =>
        {
            var v = CastTo(x, f64);
            var r = Select(Lt(v, Const(-lambd, f64)), Add(v, Const(bias, f64)),
                Select(new Binary(BinaryOp.Gt, v, Const(lambd, f64)), Sub(v, Const(bias, f64)), Const(0, f64)));
            return CastTo(r, x.Type);
        });
    }

    /// <summary>Clip: below min becomes min, then above max becomes max (min &gt; max gives max). Bounds are float
    /// attributes converted to the element type before opset 11, optional scalar inputs since.</summary>
    private static TileValue? Clip(TileLoweringContext c)
    {
        if (!c.HasInput(0) || !PointwiseLowerings.IsNumber(c.Input(0).Type)) return null;
        var x = c.Input(0);
        Expr? lo = null, hi = null;
        if (c.Opset < 11)
        {
            if (c.Node.Attr("min") is not null) lo = Const(c.Node.GetFloat("min", 0f), x.Type);
            if (c.Node.Attr("max") is not null) hi = Const(c.Node.GetFloat("max", 0f), x.Type);
        }
        else
        {
            foreach (int i in new[] { 1, 2 })
            {
                if (!Lowering.Has(c, i)) continue;
                if (!c.HasInput(i)) return null;
                var bound = c.Input(i);
                if (bound.Type != x.Type || bound.Shape.Aggregate(1L, (p, d) => p * d) != 1) return null;
                if (i == 1) lo = Single(bound); else hi = Single(bound);
            }
        }
        // max then min, each reading x once; NaN in x stays NaN, as in the reference.
        return Map(x, e =>
        {
            if (lo is not null) e = Max(e, lo);
            if (hi is not null) e = Min(e, hi);
            return e;
        });
    }

    private static Expr Attr(TileLoweringContext c, string name, float fallback, Expr like) => Const(c.Node.GetFloat(name, fallback), like.Type);
    private static Expr Zero(Expr like) => Const(0, like.Type);
    private static Expr One(Expr like) => Const(1, like.Type);
    private static Expr Select(Expr c, Expr a, Expr b) => new Tile.Select(c, a, b);
    private static Expr Lt(Expr a, Expr b) => new Binary(BinaryOp.Lt, a, b);
    private static Expr Le(Expr a, Expr b) => new Binary(BinaryOp.Le, a, b);
    private static Expr Add(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    private static Expr Sub(Expr a, Expr b) => new Binary(BinaryOp.Sub, a, b);
    private static Expr Mul(Expr a, Expr b) => new Binary(BinaryOp.Mul, a, b);
    private static Expr Div(Expr a, Expr b) => new Binary(BinaryOp.Div, a, b);
    private static Expr Max(Expr a, Expr b) => new Binary(BinaryOp.Max, a, b);
    private static Expr Min(Expr a, Expr b) => new Binary(BinaryOp.Min, a, b);
    private static Expr Exp(Expr x) => new Unary(UnaryOp.Exp, x);
}
