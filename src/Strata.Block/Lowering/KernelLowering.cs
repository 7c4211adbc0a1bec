using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block;

/// <summary>The Tile→Block lowering of one kernel under one schedule (see <see cref="TileToBlock"/>).</summary>
internal sealed class KernelLowering
{
    private readonly TileSchedule _s;
    private readonly TileKernel _k;
    private readonly BlockBuilder _b;
    private readonly Dictionary<string, BlockValue> _classOffsets = new(StringComparer.Ordinal);
    // The first element of the current block of each axis in scope (program offset, loop variable or 0).
    private readonly Dictionary<string, BlockValue> _offsets = new(StringComparer.Ordinal);
    // The current dot's axes that one operand reads only group-wise: in a layout without them they are the block's start.
    private IReadOnlyCollection<string> _groupAxes = [];

    public KernelLowering(TileSchedule schedule)
    {
        _s = schedule;
        _k = schedule.Kernel;
        _b = new BlockBuilder(_k.Buffers.Select(b => b.Name), _k.Inputs.Select(b => b.Name));
    }

    public BlockKernel Run()
    {
        var parameters = _k.Inputs.Select(b => Param(b, ParamRole.Input))
            .Concat(_k.Outputs.Select(b => Param(b, ParamRole.Output)))
            .Concat(_k.Temps.Select(b => Param(b, ParamRole.Scratch)))
            .ToImmutableArray();

        for (int j = 0; j < _s.Parallel.Length; j++)
        {
            var cls = _s.Parallel[j];
            var pid = _b.ProgramId(j, "p" + cls);
            int block = _s.Block(cls);
            _classOffsets[cls] = block == 1 ? pid : _b.Binary(BinaryOp.Mul, pid, _b.Index(block), cls + "0");
        }

        foreach (var c in _k.Computations)
        {
            if (c.Indices.Any(a => _k.Axis(a).Extent == 0)) continue; // nothing to compute
            _offsets.Clear();
            LowerComputation(c);
        }
        return new BlockKernel(_k.Name, parameters, _s.Grid, _b.Build());
    }

    private static BlockParam Param(TileBuffer b, ParamRole role) => new(b.Name, b.ElementType, b.Shape, role);

    // ------------------------------------------------------------ index blocks and masks

    /// <summary>The indices of <paramref name="axis"/>'s current block laid out along its dimension of
    /// <paramref name="layout"/> (<c>arange</c> + <c>reshape</c>), or the scalar offset when the block size is 1.</summary>
    internal BlockValue IndexBlock(string axis, BlockLayout layout)
    {
        if (!_offsets.TryGetValue(axis, out var offset))
            throw new StrataException(ErrorCode.InvalidIr, $"axis {axis} is not in scope here", "index a computation's body only by its own output and reduction axes", $"tile kernel @{_k.Name}");
        int block = _s.Block(axis);
        if (block == 1 || AtBlockStart(axis, layout)) return offset;
        int p = layout.Position(axis);
        if (p < 0) throw new InvalidOperationException($"axis {axis} has no dimension in layout {layout}");
        var r = _b.Arange(offset, block, "r" + axis);
        return layout.Rank == 1 ? r : _b.Reshape(r, layout.AxisShape(p), "i" + axis);
    }

    /// <summary><c>index &lt; extent</c> where the axis's blocks overhang its extent; null where they never do.</summary>
    internal BlockValue? Mask(string axis, BlockLayout layout)
    {
        long extent = _k.Axis(axis).Extent;
        int block = _s.Block(axis);
        if (extent % block == 0 || AtBlockStart(axis, layout)) return null;
        return _b.Binary(BinaryOp.Lt, IndexBlock(axis, layout), _b.Index(extent), "m" + axis);
    }

    /// <summary>Whether <paramref name="axis"/> is a group axis of the current dot outside <paramref name="layout"/>: the
    /// operand reads it only as <c>floordiv(axis, q)</c>, the same over the block (<see cref="GroupWidth"/>), so its
    /// index is the block's first, always inside the extent.</summary>
    private bool AtBlockStart(string axis, BlockLayout layout) =>
        _groupAxes.Contains(axis) && layout.Position(axis) < 0;

    private BlockValue? MaskAll(IEnumerable<string> axes, BlockLayout layout) =>
        axes.Aggregate((BlockValue?)null, (m, a) => _b.And(m, Mask(a, layout)));

    /// <summary>Emits the index blocks and masks of the output axes <paramref name="e"/> uses, ahead of the reduction
    /// loops, so the loop bodies reuse them instead of recomputing loop-invariant values.</summary>
    private void Hoist(Computation c, Expr e, BlockLayout layout)
    {
        foreach (var a in ExprAnalysis.AxesOf(e))
            if (c.Indices.Contains(a) && (layout.Position(a) >= 0 || _s.Block(a) == 1))
            {
                IndexBlock(a, layout);
                Mask(a, layout);
            }
    }

    private BlockValue Eval(Expr e, BlockLayout layout, params BlockValue?[] guards) =>
        e.Accept(new BlockExprLowering(this, _b, layout, guards.OfType<BlockValue>()));

    private BlockLayout Layout(IEnumerable<string?> dims) => new(dims, a => _s.Block(a));

    // ------------------------------------------------------------ computations

    private void LowerComputation(Computation c)
    {
        foreach (var a in c.Indices)
            if (_s.IsParallel(a)) _offsets[a] = _classOffsets[_s.Classes.ClassOf(a)];
        var loops = c.Indices.Select((a, i) => (Axis: a, Pos: i)).Where(x => !_s.IsParallel(x.Axis))
            .OrderBy(x => _s.OrderRank(x.Axis)).ThenBy(x => x.Pos).Select(x => x.Axis).ToArray();
        LoopNest(loops, 0, () => LowerBody(c));
    }

    /// <summary>A loop over the blocks of each non-parallel output axis (none where one block covers the extent).</summary>
    private void LoopNest(string[] axes, int i, Action body)
    {
        if (i == axes.Length)
        {
            body();
            return;
        }
        string a = axes[i];
        long extent = _k.Axis(a).Extent;
        int block = _s.Block(a);
        if (extent <= block)
        {
            _offsets[a] = _b.Index(0);
            LoopNest(axes, i + 1, body);
            return;
        }
        _b.For(a + "0", _b.Index(0), _b.Index(extent), block, [], (iv, _) =>
        {
            _offsets[a] = iv;
            LoopNest(axes, i + 1, body);
            return [];
        });
    }

    private void LowerBody(Computation c)
    {
        var outLayout = Layout(c.Indices);
        if (c.Reduce is not { } r)
        {
            Store(c, Eval(c.Body, outLayout), outLayout);
            return;
        }
        if (r.Op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast)
            LowerArgReduce(c, r, outLayout);
        else if (ContractionMatch.Find(c, _s) is { } dot)
            LowerDot(c, dot, outLayout);
        else
            LowerReduce(c, r, outLayout);
    }

    private void Store(Computation c, BlockValue value, BlockLayout outLayout)
    {
        var buffer = _k.Buffer(c.Output);
        var v = _b.Broadcast(_b.Cast(value, buffer.ElementType), outLayout.Shape, "out");
        var idx = c.Indices.Select(a => IndexBlock(a, outLayout)).ToArray();
        _b.Store(c.Output, idx, v, MaskAll(c.Indices, outLayout));
    }

    // ------------------------------------------------------------ reductions

    /// <summary>Loops over the blocks of reduction axes <c>axes[i..]</c> carrying the accumulators. With split-K the loop
    /// over an axis's blocks runs as consecutive chunks, each reduced from <paramref name="chunkInit"/> (given the chunk's
    /// first index) and folded into the carried accumulators with <paramref name="combine"/>.</summary>
    private IReadOnlyList<BlockValue> ReduceLoops(IReadOnlyList<string> axes, int i, IReadOnlyList<BlockValue> accs,
        Func<BlockValue, IReadOnlyList<BlockValue>> chunkInit,
        Func<IReadOnlyList<BlockValue>, IReadOnlyList<BlockValue>, IReadOnlyList<BlockValue>> combine,
        Func<IReadOnlyList<BlockValue>, IReadOnlyList<BlockValue>> inner)
    {
        if (i == axes.Count) return inner(accs);
        string k = axes[i];
        long extent = _k.Axis(k).Extent;
        int block = _s.Block(k);
        if (extent == 0) return accs;
        long blocks = (extent + block - 1) / block;
        if (blocks == 1)
        {
            _offsets[k] = _b.Index(0);
            return ReduceLoops(axes, i + 1, accs, chunkInit, combine, inner);
        }
        long split = Math.Min(_s.Split(k), blocks);
        long chunkBlocks = (blocks + split - 1) / split;
        long chunks = (blocks + chunkBlocks - 1) / chunkBlocks;
        var iters = accs.Select(a => ("a", a)).ToArray();
        var hints = accs.Select(_ => "acc").ToArray();
        if (chunks == 1)
            return _b.For(k + "0", _b.Index(0), _b.Index(extent), block, iters, (iv, args) =>
            {
                _offsets[k] = iv;
                return ReduceLoops(axes, i + 1, args, chunkInit, combine, inner);
            }, hints);

        long chunk = chunkBlocks * block;
        return _b.For(k + "c", _b.Index(0), _b.Index(extent), chunk, iters, (start, args) =>
        {
            var end = _b.Binary(BinaryOp.Min, _b.Binary(BinaryOp.Add, start, _b.Index(chunk), k + "e"), _b.Index(extent), k + "e");
            var part = _b.For(k + "0", start, end, block, [.. chunkInit(start).Select(a => ("b", a))], (iv, bargs) =>
            {
                _offsets[k] = iv;
                return ReduceLoops(axes, i + 1, bargs, chunkInit, combine, inner);
            }, [.. accs.Select(_ => "part")]);
            return combine(args, part);
        }, hints);
    }

    /// <summary>sum/prod/max/min: each step evaluates the body on a [outputs…, reductions…] block (reduction axes with
    /// block 1 have no dim), sets lanes beyond a reduction extent to the identity, reduces the reduction dims and folds
    /// the result into the accumulator.</summary>
    private void LowerReduce(Computation c, Reduction r, BlockLayout outLayout)
    {
        var type = c.Body.Type;
        // Reduction axes with block 1 get no dim (their index is the loop's scalar): the block keeps the output's
        // innermost dim last, so the Machine level vectorises along it (a depthwise conv stepping kh, kw).
        var full = Layout(c.Indices.Concat(r.Axes.Where(a => _s.Block(a) > 1)));
        var init = ScalarSemantics.ReduceInit(r.Op, type);
        var combineOp = r.Op.Step() ?? throw new ArgumentException($"{r.Op} is not an accumulating reduction");
        BlockValue Init() => _b.Splat(init, type, outLayout.Shape, "init");
        Hoist(c, c.Body, full);
        if (UnrolledSteps(r) is { } steps)
        {
            // A small window stepped one element at a time (a depthwise conv, a pool): written out step by step in the
            // loop's order, so the running value stays one expression (a loop would carry the whole block through
            // memory at each step at the Machine level) and the taps' index arithmetic folds to constants.
            // max/min are exact and order-free, so their taps combine as a balanced tree without the identity: a chain
            // of 9 maxes is a chain of 9 latencies per vector (an IEEE max is 3 dependent instructions on AVX-512),
            // a tree 4 levels. Sums and products keep the loop's order (float rounding, the -0 of 0 + -0).
            bool tree = r.Op is ReduceOp.Max or ReduceOp.Min or ReduceOp.MaxNative && steps.Count > 0;
            var a = tree ? null : Init();
            var taps = new List<BlockValue>();
            foreach (var point in steps)
            {
                for (int i = 0; i < point.Length; i++) _offsets[r.Axes[i]] = _b.Index(point[i]);
                var tap = _b.Broadcast(Eval(c.Body, full), full.Shape, "bc");
                if (tree) taps.Add(tap);
                else a = _b.Binary(combineOp, a!, tap, "a");
            }
            while (taps.Count > 1)
                taps = [.. Enumerable.Range(0, (taps.Count + 1) / 2).Select(i =>
                    2 * i + 1 < taps.Count ? _b.Binary(combineOp, taps[2 * i], taps[2 * i + 1], "a") : taps[2 * i])];
            if (tree) a = taps[0].Type.Shape.SequenceEqual(outLayout.Shape) ? taps[0] : _b.Binary(combineOp, Init(), taps[0], "a");
            Store(c, a!, outLayout);
            return;
        }
        var acc = ReduceLoops(r.Axes, 0, [Init()], _ => [Init()],
            (a, p) => [_b.Binary(combineOp, a[0], p[0], "acc")],
            a =>
            {
                var v = _b.Broadcast(Eval(c.Body, full), full.Shape, "bc");
                if (MaskAll(r.Axes, full) is { } m) v = _b.Select(m, v, _b.Const(init, type), "v");
                for (int d = full.Rank - 1; d >= outLayout.Rank; d--) v = _b.Reduce(r.Op, v, d);
                return [_b.Binary(combineOp, a[0], v, "a")];
            });
        Store(c, acc[0], outLayout);
    }

    /// <summary>Most steps of a reduction written out instead of looped (a 5×5 window; 3×3×3).</summary>
    internal const long MaxUnrolledSteps = 32;

    /// <summary>The index tuples of every step of <paramref name="r"/> in loop order (the first axis outermost) where every
    /// reduction axis has block 1, no split, and there are at most <see cref="MaxUnrolledSteps"/> steps; null otherwise.</summary>
    private List<long[]>? UnrolledSteps(Reduction r)
    {
        long count = 1;
        foreach (var a in r.Axes)
        {
            if (_s.Block(a) != 1 || _s.Split(a) != 1) return null;
            count *= _k.Axis(a).Extent;
            if (count > MaxUnrolledSteps) return null;
        }
        var steps = new List<long[]> { Array.Empty<long>() };
        foreach (var a in r.Axes)
            steps = [.. steps.SelectMany(p => Enumerable.Range(0, (int)_k.Axis(a).Extent).Select(i => (long[])[.. p, i]))];
        return steps;
    }

    /// <summary>argmax/argmin (first or last): a (value, index) pair of accumulators. Per block: the best value, the
    /// position of its first (last) occurrence among the unmasked lanes (a NaN wins, the first NaN); then the block's
    /// pair replaces the carried one if its value is better (or equal, for the *Last variants).</summary>
    private void LowerArgReduce(Computation c, Reduction r, BlockLayout outLayout)
    {
        if (r.Axes.Length != 1)
            throw new StrataException(ErrorCode.InvalidIr, $"%{c.Output}: {r.Op.Name()} reduces over {r.Axes.Length} axes", "arg reductions take exactly one axis", $"tile kernel @{_k.Name}");
        string k = r.Axes[0];
        var type = c.Body.Type;
        bool isMax = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMaxLast;
        bool last = r.Op is ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
        bool isFloat = ScalarSemantics.IsFloat(type);
        var best = isMax ? ReduceOp.Max : ReduceOp.Min;
        var initValue = ScalarSemantics.ReduceInit(best, type);
        long extent = _k.Axis(k).Extent;
        var full = Layout(c.Indices.Append(k));
        int axis = full.Rank - 1;

        IReadOnlyList<BlockValue> Combine(IReadOnlyList<BlockValue> acc, IReadOnlyList<BlockValue> part)
        {
            BlockValue av = acc[0], ai = acc[1], pv = part[0], pi = part[1];
            var better = _b.Binary(isMax ? BinaryOp.Gt : BinaryOp.Lt, pv, av, "better");
            if (isFloat)
                better = _b.Binary(BinaryOp.Or, better, _b.Binary(BinaryOp.And, _b.Unary(UnaryOp.IsNaN, pv),
                    _b.Unary(UnaryOp.Not, _b.Unary(UnaryOp.IsNaN, av)), "better"), "better");
            if (last) better = _b.Binary(BinaryOp.Or, better, _b.Binary(BinaryOp.Eq, pv, av, "better"), "better");
            return [_b.Select(better, pv, av, "a"), _b.Select(better, pi, ai, "ai")];
        }

        Hoist(c, c.Body, full);
        var accs = ReduceLoops([k], 0,
            [_b.Splat(initValue, type, outLayout.Shape, "init"), _b.Splat(Scalar.Int(0), DataType.Int64, outLayout.Shape, "init")],
            start => [_b.Splat(initValue, type, outLayout.Shape, "init"), _b.Broadcast(start, outLayout.Shape, "start")],
            Combine,
            a =>
            {
                var v = _b.Broadcast(Eval(c.Body, full), full.Shape, "bc");
                var rk = IndexBlock(k, full);
                var mk = Mask(k, full);
                var vm = mk is null ? v : _b.Select(mk, v, _b.Const(initValue, type), "v");
                var m = _b.Reduce(best, vm, axis, "best");
                var hit = _b.Binary(BinaryOp.Eq, v, _b.Reshape(m, [.. outLayout.Shape, 1], "best"), "hit");
                var none = _b.Index(extent);
                BlockValue pos;
                if (!last)
                {
                    var cand = isFloat ? _b.Binary(BinaryOp.Or, hit, _b.Unary(UnaryOp.IsNaN, v), "hit") : hit;
                    pos = _b.Reduce(ReduceOp.Min, _b.Select(_b.And(cand, mk, "hit")!, rk, none, "at"), axis, "pos");
                }
                else
                {
                    var posHit = _b.Reduce(ReduceOp.Max, _b.Select(_b.And(hit, mk, "hit")!, rk, _b.Index(-1), "at"), axis, "pos");
                    if (isFloat)
                    {
                        var nan = _b.And(_b.Unary(UnaryOp.IsNaN, v), mk, "hit")!;
                        var posNan = _b.Reduce(ReduceOp.Min, _b.Select(nan, rk, none, "at"), axis, "pos");
                        pos = _b.Select(_b.Unary(UnaryOp.IsNaN, m), posNan, posHit, "pos");
                    }
                    else pos = posHit;
                }
                return Combine(a, [m, pos]);
            });
        Store(c, accs[1], outLayout);
    }

    /// <summary>A sum of products of two (padded) loads as <c>dot</c>: operand blocks [M, K] and [K, N] (lanes beyond the
    /// reduction extent load as 0 in both), accumulated in an [M, N] block, reshaped to the output block. The other
    /// reduction axes have block 1: <see cref="ReduceLoops"/> steps them one element at a time around the dot.</summary>
    private void LowerDot(Computation c, ContractionMatch dot, BlockLayout outLayout)
    {
        var type = c.Body.Type;
        var zero = ScalarSemantics.ReduceInit(ReduceOp.Sum, type);
        var lx = Layout([dot.M, dot.K]);
        var ly = Layout([dot.K, dot.N]);
        int rows = dot.Rows is { } rr ? _s.Block(rr) : 1;
        var accShape = ImmutableArray.Create(rows * lx.Shape[0], ly.Shape[1]);
        BlockValue Init() => _b.Splat(zero, type, accShape, "init");
        _groupAxes = dot.GroupAxes;
        Hoist(c, dot.X, lx);
        Hoist(c, dot.Y, ly);
        // A row-group axis (DotShape.Rows): its rows stack along M, so one dot of R·M rows per step reads each Y
        // (weight) block once for all of them. X is evaluated as an [R, M, K] block and reshaped to [R·M, K] (the
        // Machine level packs it row by row along M); the product is reshaped back to [R, M, N] for the store.
        var lxr = dot.Rows is { } ra ? Layout([ra, dot.M, dot.K]) : lx;
        if (dot.Rows is not null) Hoist(c, dot.X, lxr);
        var acc = ReduceLoops(c.Reduce!.Axes, 0, [Init()], _ => [Init()],
            (a, p) => [_b.Binary(BinaryOp.Add, a[0], p[0], "acc")],
            a =>
            {
                var x = _b.Broadcast(Eval(dot.X, lxr, Mask(dot.K, lxr)), lxr.Shape, "bc");
                if (dot.Rows is not null) x = _b.Reshape(x, [rows * lx.Shape[0], lx.Shape[1]], "rows");
                var y = _b.Broadcast(Eval(dot.Y, ly, Mask(dot.K, ly)), ly.Shape, "bc");
                return [_b.Dot(x, y, a[0], "a")];
            });
        _groupAxes = [];
        // A transposed product (M after N in the output) is stored in its own [M, N] layout: each output index is
        // laid out along its dim of the product, so the store writes the block transposed.
        if (dot.Rows is { } rb)
        {
            var lo = Layout([rb, dot.M, dot.N]);
            Store(c, _b.Reshape(acc[0], lo.Shape, "acc"), lo);
        }
        else if (dot.Transposed) Store(c, acc[0], Layout([dot.M, dot.N]));
        else Store(c, _b.Reshape(acc[0], outLayout.Shape, "acc"), outLayout);
    }
}
