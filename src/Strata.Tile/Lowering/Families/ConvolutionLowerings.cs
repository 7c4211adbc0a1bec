using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>Conv and ConvTranspose as direct sums over the window:
/// <c>%acc[n, co, oh, ow] = sum[ci, kh, kw] mul(select(inside, %x[n, g·Cg + ci, oh·s − p + kh·d, …], 0), %w[co, ci, kh, kw])</c>,
/// the bias added as an epilogue. ConvTranspose is the same sum in gather form: output position o reads input
/// position (o + p − k·d) / s where that divides exactly. f16/bf16 accumulate in f32, as the reference does.</summary>
internal static class ConvolutionLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "Conv", Explained(Conv));
        registry.AddLowering("", "ConvTranspose", Explained(ConvTranspose));
        registry.AddLowering("", "CausalConvWithState", Explained(CausalConvWithState));
        registry.AddLowering("", "DeformConv", Explained(DeformConv));
    }

    private static bool IsConvType(DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    /// <summary>Output axis hints (n, co, od/oh/ow) and reduction hints (ci, kd/kh/kw).</summary>
    private static (string[] Out, string[] Reduce) Hints(int rank)
    {
        var names = SpatialNames(rank);
        return (["n", "co", .. names.Select(s => "o" + s)], ["ci", .. names.Select(s => "k" + s)]);
    }

    private static IReadOnlyList<TileValue?>? Conv(TileLoweringContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var t = x.Type;
        int rank = x.Rank - 2;
        if (!IsConvType(t) || w.Type != t || rank < 1 || w.Rank != x.Rank) return null;
        long group = c.Node.GetInt("group", 1);
        long n = x.Shape[0], channels = x.Shape[1], m = w.Shape[0], cg = w.Shape[1];
        if (group <= 0 || cg * group != channels || m % group != 0) return null;
        TileValue? bias = null;
        if (c.HasInput(2))
        {
            bias = c.Input(2);
            if (bias.Type != t || bias.Rank != 1 || bias.Shape[0] != m) return null;
        }
        var kernel = w.Shape[2..].ToArray();
        if (SlidingWindow.Read(c.Node, x.Shape[2..].ToArray(), kernel) is not { } win || !win.Kernel.SequenceEqual(kernel)) return null;

        var acc = MatrixAccumulator(t);
        var y = Direct(c.Builder, ContractionLowerings.Map(x, acc, v => To(v, acc)), ContractionLowerings.Map(w, acc, v => To(v, acc)), win, group);
        return [Epilogue(y, bias, t, acc)];
    }

    /// <summary>The direct convolution of <paramref name="x"/> [N, C, in…] with <paramref name="w"/> [M, C/group, k…], both
    /// of the accumulator type; taps in the padding contribute 0.</summary>
    internal static TileValue Direct(KernelBuilder kb, TileValue x, TileValue w, SlidingWindow win, long group)
    {
        int rank = win.Rank;
        long m = w.Shape[0], cg = w.Shape[1], mg = m / group;
        var (outHints, redHints) = Hints(rank);
        return kb.Reduce(ReduceOp.Sum, [x.Shape[0], m, .. win.Output], [cg, .. win.Kernel], (o, r) =>
        {
            var (pos, inside) = win.Taps(o.Skip(2).ToArray(), r.Skip(1).ToArray());
            var ci = group == 1 ? r[0] : IAdd(IMul(IDiv(o[1], mg), cg), r[0]);
            var xv = Guard(inside, x.At([o[0], ci, .. pos]), C(0, x.Type));
            return Mul(xv, w.At([o[1], r[0], .. r.Skip(1)]));
        }, "acc", outHints, redHints);
    }

    /// <summary><c>acc + bias[co]</c> (in the accumulator type), rounded to the element type.</summary>
    private static TileValue Epilogue(TileValue y, TileValue? bias, DataType t, DataType acc) =>
        Value(t, y.Shape, o => To(bias is null ? y.At(o) : Add(y.At(o), To(bias.At(o[1]), acc)), t));

    private static IReadOnlyList<TileValue?>? ConvTranspose(TileLoweringContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var t = x.Type;
        int rank = x.Rank - 2;
        if (!IsConvType(t) || w.Type != t || rank < 1 || w.Rank != x.Rank) return null;
        long group = c.Node.GetInt("group", 1);
        long n = x.Shape[0], channels = x.Shape[1], mg = w.Shape[1];
        if (group <= 0 || w.Shape[0] != channels || channels % group != 0) return null;
        long m = mg * group, cg = channels / group;
        TileValue? bias = null;
        if (c.HasInput(2))
        {
            bias = c.Input(2);
            if (bias.Type != t || bias.Rank != 1 || bias.Shape[0] != m) return null;
        }
        var kernel = w.Shape[2..].ToArray();
        var input = x.Shape[2..].ToArray();
        // The window attributes (strides, dilations, pads, auto_pad); the output size follows ConvTranspose's own rule.
        if (SlidingWindow.Read(c.Node, input, kernel) is not { } win || !win.Kernel.SequenceEqual(kernel)) return null;
        if (Resolve(c, input, win) is not { } resolved) return null;
        var (output, padBegin) = resolved;

        var acc = MatrixAccumulator(t);
        var (outHints, redHints) = Hints(rank);
        var y = c.Builder.Reduce(ReduceOp.Sum, [n, m, .. output], [cg, .. kernel], (o, r) =>
        {
            // Output position o receives input position i through tap k when i·s − p + k·d = o.
            var pos = new Expr[rank];
            var guards = new Expr?[3 * rank];
            for (int d = 0; d < rank; d++)
            {
                long s = win.Strides[d], dil = win.Dilations[d], k = kernel[d], pb = padBegin[d];
                var num = ISub(IAdd(o[2 + d], pb), IMul(r[1 + d], dil));
                if (pb - (k - 1) * dil < 0) guards[3 * d] = Bin(BinaryOp.Ge, num, Ix(0));
                if (s > 1) guards[3 * d + 1] = Eq(IMod(num, s), Ix(0));
                pos[d] = IDiv(num, s);
                if (output[d] > 0 && FloorDiv(output[d] - 1 + pb, s) >= input[d]) guards[3 * d + 2] = Bin(BinaryOp.Lt, pos[d], Ix(input[d]));
            }
            var ci = group == 1 ? r[0] : IAdd(IMul(IDiv(o[1], mg), cg), r[0]);
            var co = group == 1 ? o[1] : IMod(o[1], mg);
            var xv = Guard(All(guards), To(x.At([o[0], ci, .. pos]), acc), C(0, acc));
            return Mul(xv, To(w.At([ci, co, .. r.Skip(1)]), acc));
        }, "acc", outHints, redHints);
        return [Epilogue(y, bias, t, acc)];
    }

    /// <summary>ConvTranspose's output size and begin padding per dim: from output_shape, or
    /// <c>s·(in−1) + output_padding + (k−1)·d + 1 − pads</c>; SAME_* split the difference (the reference's rule).</summary>
    private static (long[] Output, long[] PadBegin)? Resolve(TileLoweringContext c, long[] input, SlidingWindow win)
    {
        int rank = input.Length;
        var outPad = c.Node.GetInts("output_padding") ?? new long[rank];
        if (outPad.Length != rank) return null;
        var outputShape = c.Node.GetInts("output_shape");
        if (outputShape is not null && outputShape.Length == rank + 2) outputShape = outputShape[2..];
        if (outputShape is not null && outputShape.Length != rank) return null;
        var pads = c.Node.GetInts("pads") ?? new long[2 * rank];
        var output = new long[rank];
        var padBegin = new long[rank];
        bool same = win.AutoPad is "SAME_UPPER" or "SAME_LOWER";
        bool valid = win.AutoPad == "VALID";
        for (int d = 0; d < rank; d++)
        {
            long natural = win.Strides[d] * (input[d] - 1) + outPad[d] + win.Span(d);
            if (same)
            {
                output[d] = outputShape?[d] ?? input[d] * win.Strides[d];
                long total = natural - output[d];
                long floorHalf = FloorDiv(total, 2);
                padBegin[d] = win.AutoPad == "SAME_UPPER" ? floorHalf : total - floorHalf;
            }
            else if (outputShape is not null)
            {
                output[d] = outputShape[d];
                padBegin[d] = valid ? 0 : pads[d];
            }
            else
            {
                padBegin[d] = valid ? 0 : pads[d];
                output[d] = natural - (valid ? 0 : pads[d] + pads[rank + d]);
            }
            if (output[d] < 0) return null;
        }
        return (output, padBegin);
    }

    /// <summary>CausalConvWithState: a depthwise causal 1-D convolution of the input prefixed by past_state (zeros when
    /// absent), <c>%acc[n, c, t] = sum[j] line[n, c, t + j] · w[c, 0, j]</c> in f64, plus bias, optionally SiLU (of the
    /// sum rounded to the element type, as the reference does); present_state is the last k − 1 positions of the line.</summary>
    private static IReadOnlyList<TileValue?>? CausalConvWithState(TileLoweringContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var t = x.Type;
        if (!IsConvType(t) || x.Rank != 3 || w.Rank != 3 || w.Shape[0] != x.Shape[1] || w.Shape[1] != 1) return null;
        var activation = c.Node.GetString("activation", "none");
        if (activation is not ("none" or "silu" or "swish")) return null;
        long batch = x.Shape[0], channels = x.Shape[1], length = x.Shape[2], k = w.Shape[2];
        var bias = c.HasInput(2) ? c.Input(2) : null;
        var past = c.HasInput(3) ? c.Input(3) : null;
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != channels || !IsConvType(bias.Type))) return null;
        if (past is not null && (past.Rank != 3 || past.Shape[0] != batch || past.Shape[1] != channels || past.Shape[2] != k - 1 || !IsConvType(past.Type))) return null;
        const DataType f64 = DataType.Float64;

        // The input prefixed by the state: position p < k − 1 reads past_state, the rest the input.
        Expr Line(Expr n, Expr ch, Expr p) => Sel(Bin(BinaryOp.Lt, p, Ix(k - 1)),
            past is null ? C(0, f64) : F64(past.At(n, ch, p)),
            F64(x.At(n, ch, ISub(p, k - 1))));
        var acc = c.Builder.Reduce(ReduceOp.Sum, x.Shape, [k],
            (o, r) => Mul(Line(o[0], o[1], IAdd(o[2], r[0])), F64(w.At(o[1], Ix(0), r[0]))), "acc", ["n", "c", "t"], ["j"]);
        var y = Value(t, x.Shape, o =>
        {
            var s = bias is null ? acc.At(o) : Add(acc.At(o), F64(bias.At(o[1])));
            if (activation != "none")
            {
                s = RoundVia(s, t);
                s = Div(s, Add(C(1, f64), Un(UnaryOp.Exp, Un(UnaryOp.Neg, s))));
            }
            return To(s, t);
        });
        var result = new TileValue?[c.Node.Outputs.Length];
        result[0] = y;
        if (result.Length > 1 && c.Node.Outputs[1] is not null)
            result[1] = Value(t, [batch, channels, k - 1], o => To(Line(o[0], o[1], IAdd(o[2], length)), t));
        return result;
    }

    /// <summary>DeformConv: the taps sampled at their offset positions, materialised as columns
    /// <c>%cols[n, i, k…, o…] = mask · Σ_corners weight · x[n, i, floor(p) + corner]</c> (multilinear interpolation, data-dependent
    /// loads guarded by a select, zeros outside the input), then <c>%acc[n, co, o…] = sum[ci, k…] w[co, ci, k…] · cols[n, g·Cg + ci, k…, o…]</c>
    /// plus bias; in f64 as the reference computes.</summary>
    private static IReadOnlyList<TileValue?>? DeformConv(TileLoweringContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var offset = c.Input(2);
        var bias = c.HasInput(3) ? c.Input(3) : null;
        var mask = c.HasInput(4) ? c.Input(4) : null;
        var t = x.Type;
        int rank = x.Rank - 2;
        if (!IsConvType(t) || rank < 1 || w.Rank != x.Rank || !IsConvType(w.Type) || !IsConvType(offset.Type)) return null;
        long n = x.Shape[0], channels = x.Shape[1], m = w.Shape[0], cg = w.Shape[1];
        long group = c.Node.GetInt("group", 1), offsetGroup = c.Node.GetInt("offset_group", 1);
        if (group <= 0 || cg * group != channels || m % group != 0 || offsetGroup <= 0 || channels % offsetGroup != 0) return null;
        var kernel = w.Shape[2..].ToArray();
        var input = x.Shape[2..].ToArray();
        if (SlidingWindow.Read(c.Node, input, kernel) is not { } win || !win.Kernel.SequenceEqual(kernel)) return null;
        long taps = kernel.Aggregate(1L, (a, b) => a * b);
        if (!offset.Shape.SequenceEqual([n, offsetGroup * taps * rank, .. win.Output])) return null;
        if (mask is not null && (!IsConvType(mask.Type) || !mask.Shape.SequenceEqual([n, offsetGroup * taps, .. win.Output]))) return null;
        if (bias is not null && (!IsConvType(bias.Type) || bias.Rank != 1 || bias.Shape[0] != m)) return null;
        const DataType f64 = DataType.Float64;
        long perOffsetGroup = channels / offsetGroup, mg = m / group;
        var names = SpatialNames(rank);

        // cols[n, i, k…, o…]
        var colShape = new long[] { n, channels }.Concat(kernel).Concat(win.Output).ToArray();
        var cols = c.Builder.Materialize(Value(f64, colShape, idx =>
        {
            var k = idx.Skip(2).Take(rank).ToArray();
            var o = idx.Skip(2 + rank).ToArray();
            var og = IDiv(idx[1], perOffsetGroup);
            var tap = IAdd(IMul(og, taps), Flatten(k, kernel));
            var floors = new Expr[rank];
            var fracs = new Expr[rank];
            for (int d = 0; d < rank; d++)
            {
                var basePos = To(win.Position(d, o[d], k[d]), f64);
                var p = Add(basePos, F64(offset.At([idx[0], IAdd(IMul(tap, rank), Ix(d)), .. o])));
                var fl = Un(UnaryOp.Floor, p);
                floors[d] = To(fl, DataType.Int64);
                fracs[d] = Sub(p, fl);
            }
            Expr? sum = null;
            for (int corner = 0; corner < 1 << rank; corner++)
            {
                var pos = new Expr[rank];
                var guards = new Expr?[rank];
                Expr weight = C(1, f64);
                for (int d = 0; d < rank; d++)
                {
                    bool high = (corner >> (rank - 1 - d) & 1) != 0;
                    pos[d] = high ? IAdd(floors[d], 1) : floors[d];
                    guards[d] = InRange(pos[d], input[d]);
                    weight = Mul(weight, high ? fracs[d] : Sub(C(1, f64), fracs[d]));
                }
                var term = Guard(All(guards), Mul(weight, F64(x.At([idx[0], idx[1], .. pos]))), C(0, f64));
                sum = sum is null ? term : Add(sum, term);
            }
            return mask is null ? sum! : Mul(F64(mask.At([idx[0], tap, .. o])), sum!);
        }), "cols");

        var y = c.Builder.Reduce(ReduceOp.Sum, [n, m, .. win.Output], [cg, .. kernel], (o, r) =>
        {
            var ci = group == 1 ? r[0] : IAdd(IMul(IDiv(o[1], mg), cg), r[0]);
            return Mul(F64(w.At([o[1], .. r])), cols.At([o[0], ci, .. r.Skip(1), .. o.Skip(2)]));
        }, "acc", ["n", "co", .. names.Select(s => "o" + s)], ["ci", .. names.Select(s => "k" + s)]);
        return [Value(t, y.Shape, o => To(bias is null ? y.At(o) : Add(F64(bias.At(o[1])), y.At(o)), t))];
    }
}
