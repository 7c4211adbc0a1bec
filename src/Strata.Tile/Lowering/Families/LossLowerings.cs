using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Input [N, C, d…] (log-probabilities, or scores
/// for SCE, whose log-softmax over C is computed first), target [N, d…] of class indices read at run time: the loss
/// at a position is <c>−logp[n, target, d…] · weight[target]</c> (a load whose index is a load), 0 where the target
/// is ignore_index; reduction none, sum, or mean (divided by the summed weights of the positions not ignored).
/// Computed in f64 as the reference does.</summary>
internal static class LossLowerings
{
    private const DataType F64T = DataType.Float64;

    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "NegativeLogLikelihoodLoss", Explained(c => Loss(c, softmax: false)));
        registry.AddLowering("", "SoftmaxCrossEntropyLoss", Explained(c => Loss(c, softmax: true)));
    }

    private static IReadOnlyList<TileValue?>? Loss(TileLoweringContext c, bool softmax)
    {
        var x = c.Input(0);
        var target = c.Input(1);
        var t = x.Type;
        if (!IsFloat(t) || x.Rank < 2 || !target.Type.IsInteger()) return null;
        long classes = x.Shape[1];
        ImmutableArray<long> targetShape = [x.Shape[0], .. x.Shape[2..]];
        if (!target.Shape.SequenceEqual(targetShape)) return null;
        string reduction = c.Node.GetString("reduction", "mean");
        if (reduction is not ("none" or "sum" or "mean")) return null;
        TileValue? weight = c.HasInput(2) ? c.Input(2) : null;
        if (weight is not null && (weight.Rank != 1 || weight.Shape[0] != classes || !IsFloat(weight.Type))) return null;
        long? ignore = c.Node.Attr("ignore_index") is not null ? c.Node.GetInt("ignore_index", 0) : null;
        var kb = c.Builder;

        // log-probabilities at [n, class, d…]: the input itself, or its log-softmax over the classes.
        Func<IReadOnlyList<Expr>, Expr> logp = idx => F64(x.At(idx));
        if (softmax)
        {
            var g = AxisGrouping.Of(x.Shape, [1]);
            var m = kb.Reduce(ReduceOp.Max, g.OutShape, g.Extents, (o, r) => x.At(g.InputIndex(o, r)), "max");
            Expr M(IReadOnlyList<Expr> o)
            {
                var mo = F64(m.At(o));
                return Sel(Un(UnaryOp.IsNegInf, mo), C(0, F64T), mo);
            }
            var s = kb.Reduce(ReduceOp.Sum, g.OutShape, g.Extents, (o, r) => Un(UnaryOp.Exp, Sub(F64(x.At(g.InputIndex(o, r))), M(o))), "sum");
            logp = idx =>
            {
                var gi = g.GroupIndex(idx);
                return Sub(Sub(F64(x.At(idx)), M(gi)), Un(UnaryOp.Log, s.At(gi)));
            };
        }

        // Per position [n, d…]: (−logp[n, label, d…] · w, w), 0 where the label is ignored.
        Expr Label(IReadOnlyList<Expr> pos) => To(target.At(pos), DataType.Int64);
        Expr? Ignored(IReadOnlyList<Expr> pos) => ignore is { } ig ? Eq(Label(pos), Ix(ig)) : null;
        Expr Weight(IReadOnlyList<Expr> pos) => weight is null ? C(1, F64T) : F64(weight.At(Label(pos)));
        Expr PositionLoss(IReadOnlyList<Expr> pos) => Guard(Ignored(pos) is { } ign ? Un(UnaryOp.Not, ign) : null,
            Mul(Un(UnaryOp.Neg, logp([pos[0], Label(pos), .. pos.Skip(1)])), Weight(pos)), C(0, F64T));

        TileValue loss;
        if (reduction == "none") loss = Value(t, targetShape, pos => To(PositionLoss(pos), t));
        else
        {
            var sum = kb.Reduce(ReduceOp.Sum, [], targetShape, (_, r) => PositionLoss(r), "loss", reduceHints: ["n"]);
            if (reduction == "sum") loss = Value(t, [], _ => To(sum.At(), t));
            else
            {
                var weights = kb.Reduce(ReduceOp.Sum, [], targetShape,
                    (_, r) => Guard(Ignored(r) is { } ign ? Un(UnaryOp.Not, ign) : null, Weight(r), C(0, F64T)), "weight", reduceHints: ["n"]);
                loss = Value(t, [], _ => To(Div(sum.At(), weights.At()), t));
            }
        }
        if (!softmax) return [loss];
        var result = new TileValue?[c.Node.Outputs.Length];
        result[0] = loss;
        if (result.Length > 1 && c.Node.Outputs[1] is not null) result[1] = Value(t, x.Shape, idx => To(logp(idx), t));
        return result;
    }
}
