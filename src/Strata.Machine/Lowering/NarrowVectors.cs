using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

/// <summary>Half-width vectors for a kernel whose float dots have short rows: a dot whose N (its columns, the vector
/// axis of the micro-kernel) takes clearly fewer 256-bit vectors than twice its 512-bit ones (Pays) wastes lanes on its masked
/// tail that the narrower vectors do not (squeezenet's 3×3 expand convs over 55-wide rows: 55 = 3·16 + 7, 4 vectors of
/// 16 with 9 lanes idle, or 7 vectors of 8 with one). Pays only on a core whose 512-bit FMA costs two 256-bit ones
/// (<see cref="Target.DoublePumped"/>, Zen 4: the same FMA peak for both widths), so only such a target narrows; where
/// 512-bit FMAs run at full width, 7 narrow vectors cost more than 4 wide ones. Option <c>NarrowShortRows</c>. The kernel keeps the
/// target's ISA and its 32 registers (the avx512 micro-tile, 6 rows × 4 vectors), only its vectors are 256 bits.
/// Measured (1 thread, thread CPU, 3 alternations): squeezenet's fire2/fire3 expand 3×3 convs (16→64 on 55×55, K = 144)
/// 0.613/0.607 → 0.535/0.534 ms (medians).</summary>
internal static class NarrowVectors
{
    public static Target For(BlockKernel kernel, Target target)
    {
        if (!target.DoublePumped || target.Isa != Isa.Avx512 || target.VectorBits != 512) return target;
        var defs = new Dictionary<BlockValue, BlockOp>();
        foreach (var op in Ops(kernel.Body))
            foreach (var r in op.Results) defs[r] = op;
        var dots = Ops(kernel.Body).OfType<DotOp>().ToList();
        if (dots.Count == 0 || !dots.All(d => d.Result.Type is { Rank: 2, Element: DataType.Float32 } t && Pays(t.Shape[1]) && ShiftedRows(d.B, defs)))
            return target;
        return target.WithVectorBits(256);
    }

    /// <summary>Whether N columns take at most 7/8 as many 8-lane vectors as twice their 16-lane vectors (55: 7 of 8;
    /// a wide row's single short tail, 1000 = 125 of 126, saves too little to pay for the micro-tiles of half the
    /// columns, each with its own broadcasts of A).</summary>
    private static bool Pays(long n) => 8 * ((n + 7) / 8) <= 7 * 2 * ((n + 15) / 16);

    /// <summary>Whether the dot's [K, N] operand is an unmasked load whose N index adds a per-K-row offset to a run
    /// of columns: the K rows are windows of input rows shifted by their tap (an im2col conv at stride 1 over a padded
    /// copy). Only this class is measured to pay: 1×1 convs on 7×7 planes (N = 49, rows read as they are) ran 1.3–3×
    /// slower narrowed (densenet121, resnet50, shufflenet) while 256-bit masked moves were calls (a 1-lane tail load of
    /// B per K step spilled every accumulator), and within noise once they were inline (resnet50 k62/k68/k72 −2%, −2%,
    /// +6%: 7 half-width FMAs instead of 8, but two tiles' broadcasts of A instead of one); an 11×11/4 stem's gathered
    /// rows 6% slower. inception_v2's 1×1 convs on 14×14 (N = 196 in 13 vectors of 16 or 25 of 8; Pays rejects it
    /// anyway) narrowed measured 1.3–1.6× slower (h/pw2).</summary>
    private static bool ShiftedRows(BlockValue b, Dictionary<BlockValue, BlockOp> defs) =>
        defs.GetValueOrDefault(b) is LoadOp { Mask: null, Indices: [.., var last] }
        && defs.GetValueOrDefault(last) is BinaryBlockOp { Op: BinaryOp.Add, A: var x, B: var y }
        && (Column(x) && Run(y, defs) || Column(y) && Run(x, defs));

    private static bool Column(BlockValue v) => v.Type.Shape is [> 1, 1];

    /// <summary>A [1, N] run of consecutive columns (a reshaped arange: unit stride, not a strided conv's gather).</summary>
    private static bool Run(BlockValue v, Dictionary<BlockValue, BlockOp> defs) =>
        v.Type.Shape is [1, > 1] && defs.GetValueOrDefault(v) is ReshapeOp r && defs.GetValueOrDefault(r.Source) is ArangeOp;

    private static IEnumerable<BlockOp> Ops(IEnumerable<BlockOp> body)
    {
        foreach (var op in body)
        {
            yield return op;
            if (op is ForOp f) foreach (var x in Ops(f.Body)) yield return x;
        }
    }
}
