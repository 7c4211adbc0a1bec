using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Ops that are pointwise in inference: Dropout (the identity, with an all-true mask) and
/// BatchNormalization with given statistics (a per-channel affine map, which is what lets Conv+BN+Relu fuse).
/// In training mode both fall back.</summary>
internal static class InferenceModeLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "Dropout", Lowering.Many(Dropout));
        registry.AddLowering("", "BatchNormalization", Lowering.Many(BatchNormalization));
    }

    /// <summary>Dropout in inference (before opset 12 always; since, when training_mode is absent or a constant
    /// false, or ratio is a constant 0): output = input, mask = all ones (of the input type before opset 10).</summary>
    private static IReadOnlyList<TileValue?>? Dropout(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var x = c.Input(0);
        if (c.Opset >= 12 && Lowering.Has(c, 2))
        {
            if (Lowering.ConstDoubles(c, 2) is not [var training]) return c.Decline("training_mode is not known at compile time");
            if (training != 0)
            {
                double ratio = Lowering.Has(c, 1) ? Lowering.ConstDoubles(c, 1) is [var r] ? r : double.NaN : 0.5;
                if (ratio != 0) return c.Decline("training mode with a ratio that is not a constant 0 (random dropout)");
            }
        }
        TileValue? mask = null;
        if (c.Node.Outputs.Length > 1 && c.Node.Outputs[1] is not null)
            mask = Fill(Const(1, c.Opset >= 10 ? DataType.Bool : x.Type), x.Shape);
        return [x, mask];
    }

    /// <summary>Inference-mode BatchNormalization: <c>scale · (x − mean) / sqrt(var + ε) + B</c> per channel (dim 1),
    /// in the input's float type (float32 for float16 and bfloat16). Parameters are per channel, or per [C, D1, …]
    /// element (the old spatial = 0 form).</summary>
    private static IReadOnlyList<TileValue?>? BatchNormalization(TileLoweringContext c)
    {
        bool training = c.Opset >= 14
            ? c.Node.GetInt("training_mode", 0) != 0
            : c.Node.Outputs.Length > 1 && (c.Opset >= 7 || c.Node.GetInt("is_test", 0) == 0);
        if (training) return c.Decline("training mode (batch statistics)");
        if (Enumerable.Range(0, 5).Any(i => !c.HasInput(i))) return null;
        var x = c.Input(0);
        if (x.Rank < 2 || !ScalarSemantics.IsFloat(x.Type)) return null;
        var parameters = Enumerable.Range(1, 4).Select(c.Input).ToArray();
        if (parameters.Any(p => !ScalarSemantics.IsFloat(p.Type) || !PerChannel(p, x) && !PerElement(p, x))) return null;
        double eps = c.Node.GetFloat("epsilon", 1e-5f);
        var compute = x.Type == DataType.Float64 ? DataType.Float64 : DataType.Float32;
        var y = new TileValue(x.Type, x.Shape, idx =>
        {
            Expr P(int i) => CastTo(parameters[i].At(PerChannel(parameters[i], x) ? [idx[1]] : idx.Skip(1).ToArray()), compute);
            var v = CastTo(x.At(idx), compute);
            var normalized = new Binary(BinaryOp.Div, new Binary(BinaryOp.Mul, P(0), new Binary(BinaryOp.Sub, v, P(2))),
                new Unary(UnaryOp.Sqrt, new Binary(BinaryOp.Add, P(3), Const(eps, compute))));
            return CastTo(new Binary(BinaryOp.Add, normalized, P(1)), x.Type);
        });
        return [y];
    }

    private static bool PerChannel(TileValue p, TileValue x) => p.Rank == 1 && p.Shape[0] == x.Shape[1];

    private static bool PerElement(TileValue p, TileValue x) => p.Shape.SequenceEqual(x.Shape.Skip(1)) && !PerChannel(p, x);
}
