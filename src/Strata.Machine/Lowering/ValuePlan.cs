using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

/// <summary>How a Block value exists at the Machine level.</summary>
internal enum ValueMode
{
    /// <summary>A scalar: one register, computed where the Block op stands.</summary>
    Register,
    /// <summary>A block recomputed element by element inside each consumer's loop nest (no memory).</summary>
    Inline,
    /// <summary>A block computed once, where the Block op stands, into a <see cref="LocalBuffer"/> (row-major).</summary>
    Materialised,
}

/// <summary>Decides, for every value of a Block kernel, whether it lives in a register, inline or in a buffer.
/// Materialised: results of dot/reduce/for, iter args, dot operands (packing; an unmasked load only the dot reads
/// stays inline when its parameter may be read in place: a masked one would redo its mask arithmetic in every
/// micro-tile's k loop, where packing does it once), values with several consuming ops whose
/// expression is not cheap (a masked load or a transcendental; an unmasked load is read again where it is used), and loads that a consumer would otherwise evaluate after
/// a store to the same parameter (an inline load reads memory where it is evaluated, not where the Block op stands).
/// Everything else inlines into its consumers.</summary>
internal sealed class ValuePlan
{
    private readonly Dictionary<string, BlockOp?> _def = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ValueMode> _mode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(BlockOp Op, Site Site)>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Site> _defSite = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Site>> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (int Begin, int End)> _loops = [];
    private readonly List<string> _order = [];
    private readonly List<ForOp> _fors = [];
    private readonly HashSet<string> _inPlace = new(StringComparer.Ordinal);
    private int _position;

    /// <summary>Where an op stands: its pre-order position and the ids (begin positions) of the for loops around it.</summary>
    private sealed record Site(int Position, ImmutableArray<int> Loops);

    private readonly Func<string, bool> _readInPlace;
    private readonly bool _stackedRowsInPlace;
    private readonly bool _columnMaskedB;

    /// <param name="readInPlace">Whether a dot may read its operand loaded from this parameter in place, unpacked
    /// (the <c>pack</c> knob says none).</param>
    /// <param name="stackedRowsInPlace">Whether a stacked-rows A may be read in place (<see cref="IsStackedRowsInPlace"/>).</param>
    /// <param name="columnMaskedB">Whether a dot's B masked along its columns only may be read in place (<see cref="IsColumnMaskedB"/>).</param>
    public ValuePlan(BlockKernel kernel, Func<string, bool>? readInPlace = null, bool stackedRowsInPlace = true, bool columnMaskedB = true)
    {
        _readInPlace = readInPlace ?? (_ => false);
        _stackedRowsInPlace = stackedRowsInPlace;
        _columnMaskedB = columnMaskedB;
        Walk(kernel.Body, []);
        Decide();
    }

    public ValueMode Mode(BlockValue v) => _mode.TryGetValue(v.Name, out var m) ? m : v.Type.IsScalar ? ValueMode.Register : ValueMode.Materialised;

    /// <summary>The op defining <paramref name="v"/> (null for induction variables and iter args).</summary>
    public BlockOp? Def(BlockValue v) => _def.GetValueOrDefault(v.Name);

    /// <summary>Whether a dot accumulates straight into its accumulator's buffer: the accumulator is an iter arg
    /// read by nothing but this dot, and the dot's result is read by nothing but the yield back into that iter arg
    /// (the usual k loop), so no copy in and no copy back is needed.</summary>
    public bool InPlace(DotOp d) => _inPlace.Contains(d.Result.Name);

    public int Consumers(BlockValue v) => _consumers.TryGetValue(v.Name, out var c) ? c.Count : 0;

    /// <summary>The dot that reads <paramref name="v"/> as its B operand and is its only consumer (null otherwise).</summary>
    public DotOp? SoleBOf(BlockValue v) =>
        _consumers.TryGetValue(v.Name, out var c) && c.Count == 1 && c[0].Op is DotOp d && d.B.Name == v.Name && d.A.Name != v.Name ? d : null;

    private void Walk(ImmutableArray<BlockOp> ops, ImmutableArray<int> loops)
    {
        foreach (var op in ops)
        {
            var site = new Site(_position++, loops);
            foreach (var v in op.Operands) Use(v, op, site);
            if (op is StoreOp s) StoresOf(s.Param).Add(site);
            if (op is ForOp f)
            {
                _fors.Add(f);
                Define(f.InductionVar, null, site);
                foreach (var a in f.IterArgs) { Define(a, null, site); _mode[a.Name] = a.Type.IsScalar ? ValueMode.Register : ValueMode.Materialised; }
                int begin = site.Position;
                var inner = loops.Add(begin);
                Walk(f.Body, inner);
                var yieldSite = new Site(_position++, inner);
                foreach (var y in f.Yields) Use(y, f, yieldSite);
                _loops[begin] = (begin, _position);
            }
            foreach (var r in op.Results) Define(r, op, site);
        }
    }

    private List<Site> StoresOf(string param)
    {
        if (!_stores.TryGetValue(param, out var l)) _stores[param] = l = [];
        return l;
    }

    private void Define(BlockValue v, BlockOp? op, Site site)
    {
        _def[v.Name] = op;
        _defSite[v.Name] = site;
        _order.Add(v.Name);
    }

    private void Use(BlockValue v, BlockOp op, Site site)
    {
        if (!_consumers.TryGetValue(v.Name, out var l)) _consumers[v.Name] = l = [];
        l.Add((op, site));
    }

    private void Decide()
    {
        foreach (var f in _fors)
            for (int j = 0; j < f.IterArgs.Length; j++)
            {
                var a = f.IterArgs[j];
                var y = f.Yields[j];
                if (a.Type.IsScalar || !f.Body.Any(o => o is DotOp d && d.Result.Name == y.Name && d.Accumulator.Name == a.Name)) continue;
                if (Consumers(a) == 1 && Consumers(y) == 1 && f.Yields.Count(v => v.Name == y.Name) == 1) _inPlace.Add(y.Name);
            }
        // Forward: structural and multi-use decisions (operands are decided before their consumers).
        var expensive = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in _order)
        {
            if (_mode.ContainsKey(name)) continue;
            var op = _def[name];
            var v = op?.Results.First(r => r.Name == name);
            if (op is null || v is null) { _mode[name] = ValueMode.Register; continue; }
            if (v.Type.IsScalar) { _mode[name] = ValueMode.Register; continue; }
            if (op is DotOp or ReduceBlockOp or ForOp) { _mode[name] = ValueMode.Materialised; continue; }
            // An unmasked load is not costly: reading the parameter again costs what reading a buffer copy of it
            // does, without the copy (LayerNorm's row, read by the mean, the variance and the output, stays in L1).
            bool costly = op is LoadOp { Mask: not null } || op is UnaryBlockOp u && !KernelLowerer.IsCheapUnary(u.Op)
                || op.Operands.Any(o => expensive.Contains(o.Name));
            var consumers = _consumers.GetValueOrDefault(name) ?? [];
            bool packed = consumers.Any(c => c.Op is DotOp d && (d.A.Name == name || d.B.Name == name))
                && !(op is LoadOp { Mask: null } l && consumers.Count == 1 && _readInPlace(l.Param))
                && !(consumers.Count == 1 && IsStackedRowsInPlace(op, consumers[0].Op))
                && !(consumers.Count == 1 && IsColumnMaskedB(op, consumers[0].Op));
            // Several consumers = several ops: (x − m)·(x − m) reads one value twice in one op and inlines (two loads
            // in the loop cost less than a buffer written by one loop and read by the next).
            bool shared = consumers.Select(c => c.Op).Distinct().Count() > 1;
            if (packed || costly && shared) _mode[name] = ValueMode.Materialised;
            else
            {
                _mode[name] = ValueMode.Inline;
                if (costly) expensive.Add(name);
            }
        }
        // Backward: an inline load evaluated after a store to its parameter must be read where it stands.
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            var name = _order[i];
            if (_mode[name] != ValueMode.Inline || _def[name] is not LoadOp load || !_stores.TryGetValue(load.Param, out var stores)) continue;
            var def = _defSite[name];
            if (EvaluationSites(name).Any(e => Hazard(def, e, stores))) _mode[name] = ValueMode.Materialised;
        }
    }

    /// <summary>A dot's A operand that stacks the row blocks of an unmasked load only it reads (a channels-as-columns
    /// conv over several output rows from its pre-padded input: reshape [R, M, K] → [R·M, K], DotShape.Rows), whose
    /// parameter may be read in place: the micro-kernel reads each row where it lies (a base per row, split into its
    /// block and position once per tile) instead of packing the block per step, so a conv's tap loops can run inside
    /// the micro-tile (KernelLowerer.TapNest.cs).</summary>
    private bool IsStackedRowsInPlace(BlockOp op, BlockOp consumer) =>
        _stackedRowsInPlace && op is ReshapeOp { Source: var src } r && consumer is DotOp d && d.A.Name == r.Result.Name && d.B.Name != r.Result.Name
        && Def(src) is LoadOp { Mask: null } l && Consumers(src) == 1 && _readInPlace(l.Param)
        && src.Type.Shape is [.., var k] && src.Type.Shape.Length >= 2 && r.Result.Type.Shape is [var m, var kk] && k == kk
        && src.Type.Shape.Take(src.Type.Shape.Length - 1).Aggregate(1L, (p, x) => p * x) == m;

    /// <summary>A dot's B operand that is a load only it reads, masked by a [1, N] mask (the same for every k: the block's
    /// column tail of a plane that no block of whole vectors divides, squeezenet's 55×55 = 3025), with zero where
    /// masked, whose parameter may be read in place: the micro-kernel reads it in place, unmasked in the tiles whose
    /// columns are all inside (every program but the last), with each vector's count from the mask in the others
    /// (KernelLowerer.Micro.cs). Packed, every program copied its whole K × N block of B to read it once per row tile:
    /// measured on a hand-written 6×4 kernel over squeezenet's 16-row 1×1 convs (K = 64, 128), 0.062 → 0.097 and
    /// 0.13 → 0.17–0.22 ms.</summary>
    private bool IsColumnMaskedB(BlockOp op, BlockOp consumer) =>
        _columnMaskedB && op is LoadOp { Mask: { } m } l && consumer is DotOp d && d.B.Name == l.Result.Name && d.A.Name != l.Result.Name
        && _readInPlace(l.Param) && l.Result.Type.Shape is [var k, var n] && m.Type.Shape is [1, _]
        && (k * n * Math.Max(1, l.Result.Type.Element.BitWidth() / 8) <= ColumnMaskedBBytes || ReadsPanels(l))
        && IsZero(l.Other ?? default, l.Result.Type.Element);

    /// <summary>Whether a load reads a B laid out in panels (<c>b'[n / P, k, n % P]</c>, a constant B laid out at compile
    /// time): its column index is split into a floordiv (the panel) and a mod (the last index, the column in the panel),
    /// so its packing copies the block element by element (the index is not affine across the block) while the
    /// micro-kernel reads a tile within one panel in place. Such a B is read in place under a column mask at any size:
    /// packed, a MatMul whose N no block of whole panels divides took 8.5–9.0× the time (8×2048·2048×1000,
    /// 128×768·768×300; 1 thread, both orders), 0.11 of ONNX Runtime's speed.</summary>
    private bool ReadsPanels(LoadOp l) =>
        Def(l.Indices[^1]) is BinaryBlockOp { Op: BinaryOp.Mod, A: var column, B: var width }
        && l.Indices.Any(i => Def(i) is BinaryBlockOp { Op: BinaryOp.FloorDiv } d && d.A.Name == column.Name && d.B.Name == width.Name);

    /// <summary>The largest B block read in place under a column mask: half of a 32 KiB L1, so every row tile of the block
    /// reads B from L1. Measured (1 thread CPU, medians, alternating with main, loaded host): 64 × 64 blocks, squeezenet's
    /// fire2 squeeze 64 → 16 on 55×55 0.084–0.088 → 0.069–0.072 ms, inception_v1's 64 → 64 on 55×55 0.34 → 0.28 ms,
    /// shufflenet's grouped 34 → 34 on 14×14 0.032 → 0.028 ms. 128 × 64 blocks (32 KiB) showed no gain: squeezenet's
    /// 128 → 16 and 256 → 32 (two K blocks) 0.24 → 0.26 and 0.16 → 0.23 ms, within those kernels' run-to-run spread
    /// here (0.16–0.28 ms on main), so they stay packed.</summary>
    private const long ColumnMaskedBBytes = 16 * 1024;

    private static bool IsZero(Scalar s, DataType t) =>
        ScalarSemantics.IsFloat(t) ? BitConverter.DoubleToInt64Bits(ScalarSemantics.Normalize(s, t).F) == 0 : ScalarSemantics.Normalize(s, t).I == 0;

    /// <summary>Whether <paramref name="v"/> is a dot's B read in place under a column mask (<see cref="IsColumnMaskedB"/>).</summary>
    public bool IsColumnMaskedB(BlockValue v) =>
        _mode.GetValueOrDefault(v.Name) == ValueMode.Inline && Def(v) is { } op && Consumers(v) == 1 && IsColumnMaskedB(op, _consumers[v.Name][0].Op);

    /// <summary>Where an inline value's elements are computed: at its non-inline consumers (through inline ones).</summary>
    private IEnumerable<Site> EvaluationSites(string name)
    {
        foreach (var (op, site) in _consumers.GetValueOrDefault(name) ?? [])
        {
            var inlineResult = op.Results.FirstOrDefault(r => _mode.GetValueOrDefault(r.Name) == ValueMode.Inline);
            if (inlineResult is not null && op is not ForOp)
                foreach (var s in EvaluationSites(inlineResult.Name)) yield return s;
            else yield return site;
        }
    }

    private bool Hazard(Site def, Site eval, List<Site> stores)
    {
        // A store evaluated at its own position counts too: it writes element by element while its value is being
        // read, where the Block level computes the whole value first.
        if (stores.Any(s => s.Position > def.Position && s.Position <= eval.Position)) return true;
        foreach (var loop in eval.Loops)
        {
            if (def.Loops.Contains(loop)) continue;
            var (b, e) = _loops[loop];
            if (stores.Any(s => s.Position > b && s.Position < e)) return true;
        }
        return false;
    }
}
