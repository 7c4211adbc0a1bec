using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

internal enum MaskBoundKind
{
    /// <summary>A tail range <c>lane &lt; remaining</c>: every lane when remaining ≥ lanes.</summary>
    Tail,
    /// <summary>A head range <c>lane ≥ first</c>: every lane when first ≤ 0.</summary>
    Head,
    /// <summary>A uniform bool used as an access's lane count: every lane when true.</summary>
    Uniform,
}

/// <summary>One lane-range (or uniform) mask component of a vector body, as its raw bound register.</summary>
internal readonly record struct MaskBound(MaskBoundKind Kind, Reg Reg);

// Edge/interior split of a vectorised loop: a padded window (depthwise conv, pool, Pad) masks its loads only near the
// borders of a row; in between every tap is in bounds and the loads need no from/count (no k-mask to build per tap).
internal sealed partial class KernelLowerer
{
    /// <summary>While probing a body: every mask component it builds.</summary>
    private List<MaskBound>? _maskProbe;

    /// <summary>While emitting the interior copy of a body: every mask component covers all lanes.</summary>
    private bool _interior;

    /// <summary>While emitting the version of a row in which every uniform mask holds (<see cref="TryVersionUniform"/>):
    /// uniform masks cover all lanes.</summary>
    private bool _uniformTrue;

    /// <summary>At most this many edge vectors (or full vectors of a short row) are written out at constant starts,
    /// where their lane ranges fold to constants, instead of a loop that computes them per vector.</summary>
    private const int MaxUnrolledEdges = 4;

    /// <summary>Emits a vector row as <c>if (every uniform mask) { row without them } else { row }</c> when the body's
    /// masks include uniform bools (a padded window's row lies in the padding or not: the same for the whole row)
    /// and lane ranges, computed from values the row does not change. In the first version the lane ranges depend
    /// on constants and the vector start only, so the edge vectors, written out at constant starts, get constant
    /// ranges, and the interior's bounds are constants; the accesses' row indices there are the ones the condition
    /// compares (the slice joins the emitter's reuse of index arithmetic), so bounds analysis proves them. The other
    /// version (rows in the padding: 2 of 112 for a 3×3 window) keeps every mask; its few vectors are written out too
    /// where the row's loads are contiguous (see <see cref="VectorRow"/>).</summary>
    private bool TryVersionUniform(int extent, long full, int lanes, LaneValue[] idx, Action<LaneValue[]> body, string hint)
    {
        int d = idx.Length - 1;
        if (!_options.SplitEdges || (lanes & (lanes - 1)) != 0 || _interior || _uniformTrue || _maskProbe is not null) return false;
        var before = _e.NameSnapshot();
        var bounds = new List<MaskBound>();
        ImmutableArray<MStmt> probe;
        var entryTail = _tailCount;
        _maskProbe = bounds;
        try
        {
            probe = _e.Collect(() =>
            {
                if (full == 0) _tailCount = _e.I64(extent);
                idx[d] = LaneValue.Affine(_e.I64(0), 1);
                body(idx);
            });
        }
        finally
        {
            _maskProbe = null;
            _tailCount = entryTail;
        }
        var uniform = bounds.Where(b => b.Kind == MaskBoundKind.Uniform).Select(b => b.Reg).DistinctBy(r => r.Name).ToList();
        // Only where the lane ranges are constants at a constant start (a padded window over whole rows): then the
        // first version's ranges fold. Ranges that move with a program id (a block's tail) would gain nothing from a
        // second copy of the row, and the copies of a large fused kernel measured 6x slower (inception v2's
        // conv+BN+concat: RyuJIT's optimisation budget).
        if (uniform.Count == 0 || uniform.Count == bounds.Count || bounds.Any(b => b.Kind != MaskBoundKind.Uniform && _e.Known(b.Reg) is null)) return false;
        if (BoundsSlice(probe, uniform.Select(r => new MaskBound(MaskBoundKind.Uniform, r)).ToList(), before, r => _e.ConstantOf(r) is not null) is not { } slice) return false;
        foreach (var s in slice) _e.EmitReused(s);
        // A balanced tree of ands: bounds analysis follows a condition's conjuncts to a limited depth.
        while (uniform.Count > 1)
        {
            var next = new List<Reg>();
            for (int k = 0; k + 1 < uniform.Count; k += 2) next.Add(_e.Binary(BinaryOp.And, uniform[k], uniform[k + 1], "inside"));
            if (uniform.Count % 2 == 1) next.Add(uniform[^1]);
            uniform = next;
        }
        _e.If(uniform[0], () =>
        {
            _uniformTrue = true;
            try { VectorRow(extent, full, lanes, idx, body, hint, split: true); }
            finally { _uniformTrue = false; }
        }, () => VectorRow(extent, full, lanes, idx, body, hint, split: false, writeOut: !HasStridedLoad(probe)));
        return true;
    }

    /// <summary>Whether a body reads memory with a lane stride: its padding rows then keep their loop
    /// (<see cref="VectorRow"/>).</summary>
    private static bool HasStridedLoad(ImmutableArray<MStmt> body) => body.Any(s => s switch
    {
        LoadStmt l => l.Stride != 1,
        LoopStmt l => HasStridedLoad(l.Body),
        IfStmt f => HasStridedLoad(f.Then) || HasStridedLoad(f.Else),
        _ => false,
    });

    /// <summary>Emits the loop over the full vectors <c>[0, full)</c> as an edge loop (masks kept) and an interior
    /// loop <c>[s, e)</c> (masks dropped), when the body's masks are lane ranges and uniform bools computed from
    /// values the loop does not change. Every tail bound is <c>R - i</c> and every head bound <c>F - i</c> in the
    /// loop index i (a lane range compares the index that has lane stride 1, so its register moves with i one to
    /// one), so one evaluation of the bounds at i = 0 gives the interior: i ≥ max F, i ≤ min R - lanes, and every
    /// uniform mask true. False (nothing emitted) when there is nothing to split or the bounds cannot be computed
    /// before the loop.</summary>
    private bool TrySplitEdges(long full, int lanes, LaneValue[] idx, Action<LaneValue[]> body, string hint)
    {
        int d = idx.Length - 1;
        if (!_options.SplitEdges || full < 2L * lanes || (lanes & (lanes - 1)) != 0 || _interior || _maskProbe is not null) return false;
        var before = _e.NameSnapshot();
        // Where every uniform mask holds the bounds depend on constants only: probed at the constant 0 they fold.
        var at0 = _uniformTrue ? _e.I64(0) : _e.NewReg("edge0", MType.I64);
        var bounds = new List<MaskBound>();
        ImmutableArray<MStmt> probe;
        _maskProbe = bounds;
        try
        {
            probe = _e.Collect(() =>
            {
                if (!_uniformTrue) _e.Emit(new MoveStmt(at0, _e.I64(0)));
                idx[d] = LaneValue.Affine(at0, 1);
                body(idx);
            });
        }
        finally
        {
            _maskProbe = null;
        }
        // Only lane ranges are worth a split: a body masked by uniform bools alone (a channel block's tail row,
        // co < 96) is all in or all out per loop, its count is computed once, and splitting it measured slower
        // (alexnet's conv1+LRN kernel 5.7 → 8.5 ms).
        if (bounds.All(b => b.Kind == MaskBoundKind.Uniform) || BoundsSlice(probe, bounds, before, r => _e.ConstantOf(r) is not null) is not { } slice) return false;
        foreach (var s in slice) _e.Emit(s);

        Reg lo = _e.I64(0), hiMax = _e.I64(full - lanes);
        Reg? allTrue = null;
        foreach (var b in bounds)
        {
            switch (b.Kind)
            {
                case MaskBoundKind.Head: lo = _e.Max(lo, b.Reg); break;
                case MaskBoundKind.Tail: hiMax = _e.Min(hiMax, _e.Sub(b.Reg, _e.I64(lanes))); break;
                default: allTrue = allTrue is null ? b.Reg : _e.Binary(BinaryOp.And, allTrue, b.Reg, "inside"); break;
            }
        }
        // s: the first vector start ≥ lo; e = s + span: every start s, s + lanes, … below e stays ≤ hiMax and < full.
        // Lanes are a power of two: rounding to whole vectors is a bit mask (no division, which is a helper call).
        var l = _e.I64(lanes);
        var whole = _e.I64(-lanes);
        var start = _e.Known(lo) is { } known
            ? _e.I64(Math.Min((known + lanes - 1) & -lanes, full))
            : _e.Min(_e.Binary(BinaryOp.BitAnd, _e.Add(lo, _e.I64(lanes - 1)), whole, "ix"), _e.I64(full));
        var room = _e.Max(_e.Add(_e.Sub(hiMax, start), l), _e.I64(0));
        var fit = _e.Known(room) is { } r ? _e.I64(r & -lanes) : _e.Binary(BinaryOp.BitAnd, room, whole, "ix");
        var span = _e.Min(fit, _e.Sub(_e.I64(full), start));
        if (allTrue is not null) span = _e.Select(allTrue, span, _e.I64(0), "ix");
        var end = _e.Add(start, span);

        // The edges: vector starts [0, s) then [e, full), one loop (one copy of the body) over k with i = k or k + (e - s);
        // a few edges at known starts are written out, their lane ranges constants.
        var skip = span;
        if (_e.Known(start) is { } s0 && _e.Known(span) is { } sp && (full - sp) / lanes <= MaxUnrolledEdges)
        {
            for (long v = 0; v < full; v += lanes)
            {
                if (v >= s0 && v < s0 + sp) continue;
                idx[d] = LaneValue.Affine(_e.I64(v), 1);
                body(idx);
            }
        }
        else
        {
            _e.Loop(hint + d, _e.I64(0), _e.Sub(_e.I64(full), skip), lanes, k =>
            {
                var i = _e.Select(_e.Binary(BinaryOp.Lt, k, start, "head"), k, _e.Add(k, skip), "i");
                idx[d] = LaneValue.Affine(i, 1);
                body(idx);
            });
        }
        _interior = true;
        try
        {
            _e.Loop(hint + d, start, end, lanes, i => { idx[d] = LaneValue.Affine(i, 1); body(idx); });
        }
        finally
        {
            _interior = false;
        }
        return true;
    }

    /// <summary>The statements of <paramref name="probe"/> that compute the bound registers, in order; null when a
    /// bound depends on something other than pure arithmetic defined once at the probe's top level or registers that
    /// existed before the probe (a bound inside a nested loop, on a reassigned register, on memory).</summary>
    private static List<MStmt>? BoundsSlice(ImmutableArray<MStmt> probe, List<MaskBound> bounds, HashSet<string> before, Func<Reg, bool> pooled)
    {
        var topDef = new Dictionary<string, int>(StringComparer.Ordinal);
        var defCount = new Dictionary<string, int>(StringComparer.Ordinal);
        void CountDefs(ImmutableArray<MStmt> stmts)
        {
            foreach (var s in stmts)
            {
                if (s.Dest is { } r) defCount[r.Name] = defCount.GetValueOrDefault(r.Name) + 1;
                if (s is LoopStmt l) { defCount[l.Var.Name] = defCount.GetValueOrDefault(l.Var.Name) + 1; CountDefs(l.Body); }
                else if (s is IfStmt f) { CountDefs(f.Then); CountDefs(f.Else); }
            }
        }
        CountDefs(probe);
        for (int k = 0; k < probe.Length; k++)
            if (probe[k].Dest is { } r) topDef[r.Name] = k;

        var keep = new SortedSet<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var work = new Stack<Reg>(bounds.Select(b => b.Reg));
        while (work.Count > 0)
        {
            var r = work.Pop();
            if (!seen.Add(r.Name)) continue;
            if (pooled(r)) continue; // a constant of the pool, defined before everything
            if (!defCount.TryGetValue(r.Name, out int defs))
            {
                if (!before.Contains(r.Name)) return null; // made by discarded code (an inner attempt)
                continue; // defined before the loop and not reassigned in it
            }
            if (defs != 1 || before.Contains(r.Name) || !topDef.TryGetValue(r.Name, out int at)) return null;
            var s = probe[at];
            if (s is not (BinaryStmt or UnaryStmt or SelectStmt or CastStmt or MoveStmt or ConstStmt)) return null;
            keep.Add(at);
            foreach (var u in s.Uses) work.Push(u);
        }
        return [.. keep.Select(k => probe[k])];
    }
}
