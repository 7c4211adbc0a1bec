using Strata.Graph;
using Strata.Graph.Ops;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>How Conv and the pools lay their window over each spatial dim (the same rules as the reference's
/// window geometry: kernel_shape, strides, dilations, pads, auto_pad, ceil_mode), and the index expressions that
/// follow from it: the input position of a tap, <c>o·s − pad + k·d</c>, and the guard that keeps it inside the input.</summary>
internal sealed class SlidingWindow
{
    public required long[] Input { get; init; }
    public required long[] Kernel { get; init; }
    public required long[] Strides { get; init; }
    public required long[] Dilations { get; init; }
    public required long[] PadBegin { get; init; }
    public required long[] PadEnd { get; init; }
    public required long[] Output { get; init; }
    public required string AutoPad { get; init; }

    public int Rank => Input.Length;

    public long Span(int d) => (Kernel[d] - 1) * Dilations[d] + 1;

    /// <summary>The window of a node over spatial dims <paramref name="input"/>; <paramref name="kernel"/> comes from the
    /// weights when the node has no kernel_shape. Null when the attributes are missing or invalid (the reference
    /// interpreter reports those).</summary>
    public static SlidingWindow? Read(Node node, long[] input, long[]? kernel)
    {
        // The geometry rules are the reference's (WindowGeometry); invalid attributes decline (the reference reports them).
        WindowGeometry g;
        string autoPad;
        try
        {
            var a = WindowGeometry.Read(node, input.Length, kernel is null ? null : WindowGeometry.ToInts(kernel),
                (code, message) => new Core.StrataException(code, message));
            g = WindowGeometry.Create(WindowGeometry.ToInts(input), a);
            autoPad = a.AutoPad;
        }
        catch (Exception e) when (e is Core.StrataException or OverflowException)
        {
            return null;
        }
        static long[] L(int[] v) => Array.ConvertAll(v, x => (long)x);
        return new SlidingWindow
        {
            Input = input, Kernel = L(g.Kernel), Strides = L(g.Strides), Dilations = L(g.Dilations),
            PadBegin = L(g.PadBegin), PadEnd = L(g.PadEnd), Output = L(g.Output), AutoPad = autoPad,
        };
    }

    /// <summary>Input position of tap <paramref name="k"/> of output position <paramref name="o"/> in dim <paramref name="d"/>.</summary>
    public Expr Position(int d, Expr o, Expr k) => IAdd(ISub(IMul(o, Strides[d]), PadBegin[d]), IMul(k, Dilations[d]));

    /// <summary>Whether some tap of dim <paramref name="d"/> falls before the input / after its end.</summary>
    public bool MayUnderflow(int d) => PadBegin[d] > 0;
    public bool MayOverflow(int d) => Output[d] > 0 && (Output[d] - 1) * Strides[d] - PadBegin[d] + (Kernel[d] - 1) * Dilations[d] >= Input[d];

    /// <summary>The input positions of the taps and the guard that they all lie inside the input (null: always).</summary>
    public (Expr[] Positions, Expr? Inside) Taps(IReadOnlyList<Expr> outSpatial, IReadOnlyList<Expr> taps)
    {
        var pos = new Expr[Rank];
        var guards = new Expr?[Rank];
        for (int d = 0; d < Rank; d++)
        {
            pos[d] = Position(d, outSpatial[d], taps[d]);
            guards[d] = InRange(pos[d], Input[d], MayUnderflow(d), MayOverflow(d));
        }
        return (pos, All(guards));
    }

    /// <summary>True when some output position's window has no tap inside the input.</summary>
    public bool HasEmptyWindow()
    {
        for (int d = 0; d < Rank; d++)
            for (long o = 0; o < Output[d]; o++)
                if (TapCount(d, o) == 0) return true;
        return false;
    }

    /// <summary>Number of taps of output position <paramref name="o"/> in dim <paramref name="d"/> inside the input.</summary>
    public long TapCount(int d, long o)
    {
        long start = o * Strides[d] - PadBegin[d], dil = Dilations[d];
        long lo = Math.Max(0, -FloorDiv(start, dil));
        long hi = Math.Min(Kernel[d], FloorDiv(Input[d] - 1 - start, dil) + 1);
        return Math.Max(0, hi - lo);
    }

    /// <summary>Number of taps inside the input and its padding (AveragePool's count_include_pad divisor).</summary>
    public long PaddedTapCount(int d, long o)
    {
        long start = o * Strides[d] - PadBegin[d], limit = Input[d] + PadEnd[d] - start;
        return Math.Max(0, Math.Min(Kernel[d], -FloorDiv(-limit, Dilations[d])));
    }

    /// <summary>The tap count of dim <paramref name="d"/> at output position <paramref name="o"/> as an index expression
    /// (a constant when it is the same everywhere; only the clipping terms that can apply are written).</summary>
    public Expr TapCountExpr(int d, Expr o, bool includePad)
    {
        var all = Enumerable.Range(0, (int)Output[d]).Select(i => includePad ? PaddedTapCount(d, i) : TapCount(d, i)).ToArray();
        if (all.Distinct().Count() <= 1) return Ix(all.Length == 0 ? 0 : all[0]);
        long k = Kernel[d], dil = Dilations[d], s = Strides[d], pb = PadBegin[d];
        Expr CeilDiv(long c) => CeilDivFrom(d, o, c);
        bool clipsHigh(long limit) => Enumerable.Range(0, (int)Output[d]).Any(i => -FloorDiv(i * s - limit, dil) < k);
        if (includePad)
        {
            // Taps before in + pad_end: ceil((in + pad_end + pad_begin − o·s) / dil), at most k.
            long limit = Input[d] + PadEnd[d] + pb;
            var padded = clipsHigh(limit) ? Min(Ix(k), CeilDiv(limit)) : Ix(k);
            return all.Contains(0) ? Max(Ix(0), padded) : padded;
        }
        // First tap at or after position 0 (FirstTap); taps before the end: ceil((in + pad_begin − o·s) / dil).
        Expr lo = FirstTap(d, o);
        Expr hi = clipsHigh(Input[d] + pb) ? Min(Ix(k), CeilDiv(Input[d] + pb)) : Ix(k);
        var count = IsIndex(lo, 0) ? hi : Bin(BinaryOp.Sub, hi, lo);
        return all.Contains(0) ? Max(Ix(0), count) : count;
    }

    /// <summary>Most output positions at either end of a dim whose tap count <see cref="TapCountPieces"/> spells out.</summary>
    public const int MaxEdgePositions = 4;

    /// <summary>The tap count of dim <paramref name="d"/> at <paramref name="o"/> as a constant of type <paramref name="t"/>
    /// in each of the few positions at the ends of the dim and one constant in between (the longest run of equal
    /// counts): <c>select(o &lt; 1, c₀, select(o &lt; a, …, select(o ≥ b, …, c)))</c>. Comparisons of the output index with
    /// constants are lane ranges along a vectorised row, and the interior of an edge split sees only the middle
    /// constant; the <c>min</c>/<c>max</c> of <see cref="TapCountExpr"/> are not (no per-lane integer form). Null when
    /// more than <see cref="MaxEdgePositions"/> positions at an end differ from the middle.</summary>
    public Expr? TapCountPieces(int d, Expr o, bool includePad, Strata.Core.DataType t)
    {
        var all = Enumerable.Range(0, (int)Output[d]).Select(i => includePad ? PaddedTapCount(d, i) : TapCount(d, i)).ToArray();
        if (all.Length == 0) return C(0, t);
        int a = 0, b = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j] == all[i]) j++;
            if (j - i > b - a) (a, b) = (i, j);
            i = j;
        }
        if (a > MaxEdgePositions || all.Length - b > MaxEdgePositions) return null;
        Expr e = C(all[a], t);
        if (b < all.Length)
        {
            Expr tail = C(all[^1], t);
            for (int i = all.Length - 2; i >= b; i--) tail = Sel(Bin(BinaryOp.Lt, o, Ix(i + 1)), C(all[i], t), tail);
            e = Sel(Bin(BinaryOp.Lt, o, Ix(b)), e, tail);
        }
        for (int i = a - 1; i >= 0; i--) e = Sel(Bin(BinaryOp.Lt, o, Ix(i + 1)), C(all[i], t), e);
        return e;
    }

    /// <summary>The first tap of dim <paramref name="d"/> at output position <paramref name="o"/> that lies inside the
    /// input: <c>max(0, ceil((pad_begin − o·s) / dil))</c>, or 0 without begin padding.</summary>
    public Expr FirstTap(int d, Expr o) => PadBegin[d] > 0 ? Max(Ix(0), CeilDivFrom(d, o, PadBegin[d])) : Ix(0);

    /// <summary><c>ceil((c − o·s) / dil)</c> for a constant c, as <c>−floor((o·s − c) / dil)</c>.</summary>
    private Expr CeilDivFrom(int d, Expr o, long c)
    {
        var os = IMul(o, Strides[d]);
        return Dilations[d] == 1 ? ISub(Ix(c), os) : Bin(BinaryOp.Sub, Ix(0), IDiv(ISub(os, c), Dilations[d]));
    }
}
