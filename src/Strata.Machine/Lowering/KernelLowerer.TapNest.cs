using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// A dot stepped by loops around it (a convolution's kh, kw taps) with both operands read in place: the loops run inside
// each micro-tile, so its accumulators stay in registers over all of them.
internal sealed partial class KernelLowerer
{
    /// <summary>A chain of for loops, outermost first, each carrying one block (the accumulator) into the next and the
    /// innermost into <see cref="Dot"/>: <c>for kh iter(a) { for kw iter(a1) { …; a2 = dot(X, Y, a1); yield a2 }; yield }</c>.</summary>
    private sealed record TapNest(ImmutableArray<ForOp> Loops, DotOp Dot);

    /// <summary>The nest whose dot is being lowered with its loops inside the micro-tile (null: none).</summary>
    private TapNest? _tapNest;

    /// <summary>A conv's tap loops around a dot whose operands are read in place: <see cref="LowerTapNest"/> moves them
    /// into each micro-tile. Lowered as loops around the dot (<see cref="LowerFor"/>), each tap's dot loads its
    /// accumulator tile at the start and stores it at the end, and each loop copies its carried block (a ↔ a1): on a
    /// 3×3 conv over 64 channels, 48 loads and stores per 64 k steps of a 6×4 tile, and a copy of the whole [M, N]
    /// block per kh. Applies where the nest has at least two loops with constant bounds (a single k loop around a dot
    /// is a GEMM's cache blocking, kept), every other op in the loops is a scalar or computed where it is used (index
    /// arithmetic, the operands' loads), both operands are read in place (not packed per step), and the B rows of
    /// the whole nest fit in <see cref="TapNestL2Share"/> of the L2 (every micro-tile re-reads them from there instead of
    /// one step's block from L1). A nest over it leaves its inner loops to be taken alone (a conv's taps inside each
    /// block of input channels).</summary>
    private TapNest? MatchTapNest(ForOp f)
    {
        if (!_options.MicroKernel || !_options.TapLoopsInTile || _notTapNests.Contains(f)) return null;
        var loops = ImmutableArray.CreateBuilder<ForOp>();
        DotOp? dot = null;
        for (var cur = f; dot is null;)
        {
            if (cur.IterArgs.Length != 1 || cur.IterArgs[0].Type.IsScalar || TripCount(cur) < 1 || _plan.Consumers(cur.IterArgs[0]) != 1) return null;
            var a = cur.IterArgs[0];
            var y = cur.Yields[0];
            ForOp? inner = null;
            foreach (var op in cur.Body)
            {
                switch (op)
                {
                    case ForOp g when inner is null && dot is null && g.Inits.Length == 1 && g.Inits[0].Name == a.Name && g.LoopResults[0].Name == y.Name:
                        inner = g;
                        continue;
                    case DotOp d when inner is null && dot is null && d.Accumulator.Name == a.Name && d.Result.Name == y.Name:
                        dot = d;
                        continue;
                    case StoreOp or ForOp or DotOp or ReduceBlockOp:
                        return null;
                }
                if (op.Results.Any(r => !r.Type.IsScalar && _plan.Mode(r) != ValueMode.Inline)) return null;
            }
            if (_plan.Consumers(y) != 1) return null;
            loops.Add(cur);
            if (inner is null && dot is null) return null;
            if (inner is not null) cur = inner;
        }
        if (loops.Count < 2 || !MicroKernelApplies(dot) || _plan.Mode(dot.A) != ValueMode.Inline || _plan.Mode(dot.B) != ValueMode.Inline)
            return null;
        // The B rows of the whole nest (each distinct byte once, DistinctBytesOfB): each micro-tile streams its columns
        // of them, so they must stay in L2. Measured on a host with 268 GFLOP/s per core (V512), 1 thread CPU:
        // resnet50's 3×3 64→64 at 56×56 (147 KiB) 1.16–1.21 → 1.06–1.11 ms; 128→128 at 28×28 (590 KiB) 1.08–1.15 →
        // 1.02–1.09, but vgg19's 128→256 at 56×56 (590 KiB) 10.3 → 10.9, and its 256- and 512-channel ones (1.2, 2.4
        // MiB: nests of ci blocks × taps) 15–25% slower, with only their taps inside the tile too; so the bound was
        // half the L2. On a host with 118 GFLOP/s per core (h/ccols: compute dearer against memory) the 590 KiB nests
        // pay: see TapNestL2Share. A nest over the bound leaves its inner loops to be tried alone (a ci-block loop
        // stays around the dot, its taps go inside the tile). A smaller ci block with only the taps in the tile did not
        // pay on the first host: blocks of 16 or 32 channels 0–5% faster on vgg19's 56×56 convs, 20–35% slower on its
        // 14×14 ones.
        long bytes = DistinctBytesOfB(loops, dot);
        if (bytes <= (long)(_target.L2Bytes * TapNestL2Share)) return new TapNest(loops.ToImmutable(), dot);
        _notTapNests.Add(f);
        return null;
    }

    /// <summary>The bytes of B the nest's steps read, each once: a loop that moves B's columns by its step (a conv's
    /// kw where B is the input row, the columns the output row) adds (trips − 1)·step columns to the [K, N] block, not
    /// a block per trip: a 3×3 conv's kw taps read one input row shifted by a column each (vgg19's 128→128 at 112×112:
    /// 3 · 128 · 114 · 4 bytes = 171 KiB, not 9 · 128 · 112 · 4 = 504 KiB). Every other loop (kh, a ci block; the kw of
    /// a weight operand, channels as columns) reads a block of its own.</summary>
    private long DistinctBytesOfB(IReadOnlyList<ForOp> loops, DotOp dot)
    {
        long k = dot.B.Type.Shape[0], n = dot.B.Type.Shape[1], columns = n, blocks = 1;
        foreach (var l in loops)
        {
            long trips = TripCount(l);
            if (ShiftsColumns(dot.B, l)) columns += (trips - 1) * Math.Min(l.Step, n);
            else blocks *= trips;
        }
        return blocks * k * columns * Math.Max(1, dot.B.Type.Element.BitWidth() / 8);
    }

    /// <summary>Whether B is a load whose innermost (contiguous) index is its column index, a unit-step range along
    /// B's columns, plus <paramref name="l"/>'s induction variable: one step of the loop moves the block a column along
    /// the row (a strided conv's columns, 2·ow + kw, are no such range: each block is counted whole).</summary>
    private bool ShiftsColumns(BlockValue b, ForOp l)
    {
        if (_plan.Def(b) is not LoadOp { Indices: [.., var last] } load || load.Mask is not null) return false;
        if (_plan.Def(last) is not BinaryBlockOp { Op: BinaryOp.Add } add) return false;
        var (x, iv) = add.B.Name == l.InductionVar.Name ? (add.A, add.B) : (add.B, add.A);
        if (iv.Name != l.InductionVar.Name || x.Type.Shape is not [1, var cols] || cols != b.Type.Shape[1]) return false;
        var range = _plan.Def(x) is ReshapeOp r ? _plan.Def(r.Source) : _plan.Def(x);
        return range is ArangeOp;
    }

    /// <summary>The share of the L2 a tap nest's B rows may take (<see cref="MatchTapNest"/>); the rest holds the input
    /// rows and the output block a program reads and writes beside them. Measured (h/ccols, 1 thread CPU, AMD Zen 4 at
    /// 118 GFLOP/s per core, 1 MiB L2, loaded host, alternating runs): 590 KiB nests (a 128-channel ci block × 3×3 taps
    /// × 128 channels) inside the tile against around it: resnet50's 3×3 128→128 at 28×28 2.20–2.30 → 2.10–2.18 ms;
    /// vgg19's 512→512 at 28×28 (4 ci blocks around the taps) 47.3–49.6 → 40.0–45.7 ms, 256→256 at 56×56 40.4–42.3
    /// → 39.6–41.9, 128→256 at 56×56 and 256→512 at 28×28 unchanged.</summary>
    private const double TapNestL2Share = 0.75;

    /// <summary>Loops heading a nest over the L2 budget (<see cref="MatchTapNest"/>), not to be taken as nests themselves.</summary>
    private readonly HashSet<ForOp> _notTapNests = new(ReferenceEqualityComparer.Instance);

    /// <summary>The nest's dot as one micro-kernel whose tiles run the nest's loops around their k loop: the
    /// accumulator tile is loaded (or zeroed, for a zero initial value) once, stepped through every loop, stored once.
    /// Falls back to the loops around the dot where the micro-kernel does not take it; with a fused epilogue
    /// (<paramref name="fallBack"/> false) the caller falls back instead: the loops around the dot would apply the
    /// epilogue at every tap.</summary>
    private void LowerTapNest(TapNest nest, ForOp f, bool fallBack = true)
    {
        var (regs, buffers) = (new Dictionary<string, Reg>(_regs), new Dictionary<string, LocalBuffer>(_buffers));
        int made = _e.Buffers.Count;
        var d = nest.Dot;
        var a = f.IterArgs[0];
        ImmutableArray<MStmt>? code;
        try
        {
            code = _e.Collect(() =>
            {
                var buffer = _e.NewBuffer(a.Name, a.Type.Element, a.Type.Size);
                bool zero = IsZero(f.Inits[0]);
                if (!zero) Copy(buffer, f.Inits[0]);
                // The loops' scalars at their first iteration, for the strides the micro-kernel takes from the operands
                // before its tiles (the tiles compute their own inside the loops).
                foreach (var l in nest.Loops)
                {
                    _regs[l.InductionVar.Name] = _e.Cast(Element(l.Lower, []).Reg, MType.Scalar(l.InductionVar.Type.Element));
                    LowerTapOps(l);
                }
                _tapNest = nest;
                _zeroStart = zero ? d : null;
                int m = d.A.Type.Shape[0], k = d.A.Type.Shape[1], n = d.B.Type.Shape[1];
                var t = d.Result.Type.Element;
                int lanes = _options.Vectorize ? _target.Lanes(t) : 1;
                var saved = _lanes;
                try { MicroKernel(d, buffer, m, k, n, lanes); }
                finally { _lanes = saved; }
                _buffers[f.LoopResults[0].Name] = buffer;
            });
        }
        catch (NotVectorisableException) when (fallBack)
        {
            code = null;
        }
        finally
        {
            (_tapNest, _zeroStart) = (null, null);
        }
        if (code is not { } lowered)
        {
            Restore(_regs, regs);
            Restore(_buffers, buffers);
            _e.ForgetBuffersFrom(made);
            LowerFor(f);
            return;
        }
        foreach (var s in lowered) _e.Emit(s);
    }

    /// <summary>The ops of a nest loop's body other than its inner loop and the dot (index arithmetic; loads computed
    /// where they are used emit nothing here).</summary>
    private void LowerTapOps(ForOp l)
    {
        foreach (var op in l.Body)
            if (op is not (ForOp or DotOp)) LowerOp(op);
    }

    /// <summary>Runs <paramref name="inner"/> (a micro-tile's k loop) inside the nest's loops from <paramref name="i"/>.</summary>
    private void TapLoops(TapNest nest, int i, Action inner)
    {
        if (i == nest.Loops.Length)
        {
            inner();
            return;
        }
        var f = nest.Loops[i];
        var lo = _e.Cast(Element(f.Lower, []).Reg, MType.I64);
        var hi = _e.Cast(Element(f.Upper, []).Reg, MType.I64);
        _e.Loop(f.InductionVar.Name, lo, hi, f.Step, iv =>
        {
            _regs[f.InductionVar.Name] = _e.Cast(iv, MType.Scalar(f.InductionVar.Type.Element));
            LowerTapOps(f);
            TapLoops(nest, i + 1, inner);
        });
    }
}
