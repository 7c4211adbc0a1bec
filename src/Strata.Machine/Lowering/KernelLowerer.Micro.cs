using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// The register-blocked dot: C[M,N] = acc + A[M,K]·B[K,N] over A and B read in place or packed (A row-major, B in panels).
internal sealed partial class KernelLowerer
{
    /// <summary>Rows × vectors of accumulators per micro-tile: what fits the target's vector registers with room for
    /// the B vectors and the broadcast A value (avx2: 12 + 2 + 1 of 16; avx512: 24 + 4 + 1 of 32; scalar: 16 registers).</summary>
    private (int Rows, int Vectors) MicroTile() => _target.Isa switch
    {
        Isa.Avx512 => (6, 4),
        Isa.Avx2 => (6, 2),
        Isa.V128 => (6, 2),
        _ => (4, 4),
    };

    /// <summary>C starts as a copy of the accumulator; each MR×(NR·lanes) tile of C lives in registers for the whole
    /// k loop (NR vector loads of a B row, MR broadcasts of A, MR·NR fmas — or mul+add without FMA and for integers),
    /// then is stored back. M and N tails use smaller tiles, the last vector of a row count-masked. The order of
    /// accumulation per element is the Block interpreter's (acc, then k = 0, 1, …); FMA rounds a·b+c once where the
    /// interpreter rounds twice, so float results may differ in the last bit per step (within any tolerance that
    /// allows a different accumulation order).</summary>
    private bool TryMicroKernel(DotOp d, LocalBuffer c, int m, int k, int n, bool inPlace)
    {
        var t = d.Result.Type.Element;
        if (d.A.Type.Element != t || d.B.Type.Element != t || k == 0) return false;
        if (_plan.Mode(d.A) == ValueMode.Register || _plan.Mode(d.B) == ValueMode.Register) return false;
        int lanes = _options.Vectorize ? _target.Lanes(t) : 1;
        bool zeroStart = ReferenceEquals(_zeroStart, d) && _zeroStartWhen is null;
        if (!inPlace && !zeroStart) Copy(c, d.Accumulator);
        ImmutableArray<MStmt> code;
        try
        {
            code = _e.Collect(() => MicroKernel(d, c, m, k, n, lanes));
        }
        catch (NotVectorisableException) when (ReadsInPlace(d.B))
        {
            // B read in place has no contiguous vector form here (B transposed): pack it after all. (A is read as
            // scalars, which every load has.)
            if (PanelDot(d.B) is { } pd) MaterialisePanels(d.B, pd);
            else Materialise(d.B);
            code = _e.Collect(() => MicroKernel(d, c, m, k, n, lanes));
        }
        foreach (var s in code) _e.Emit(s);
        return true;
    }

    /// <summary>The address an in-place operand's load reads, as a base (emitted here) plus a constant stride per step
    /// of the one index that <paramref name="index"/> places as lane-affine; null when it is not affine in that index
    /// (nothing is emitted then). <paramref name="laneSpan"/>: how many steps of that index the base serves (a tile's
    /// width for B's columns), within which a floordiv/mod of it may be proven uniform (KernelLowerer.InOneRun); -1
    /// where the base is stepped over a run of unknown length (rows, the k loop): no floordiv/mod is then affine.</summary>
    private (Reg Base, long Stride)? InPlaceStep(BlockValue operand, Func<LaneValue, LaneValue[]> index, int laneSpan = -1)
    {
        // A stacked-rows A read in place (ValuePlan.IsStackedRowsInPlace) is its load seen through the reshape.
        var reshape = _plan.Def(operand) as ReshapeOp;
        if ((reshape is null ? _plan.Def(operand) : _plan.Def(reshape.Source)) is not LoadOp l) return null;
        LaneValue address = default;
        ImmutableArray<MStmt> code;
        int savedSpan = _laneSpan;
        _laneSpan = laneSpan;
        try
        {
            code = _e.Collect(() =>
            {
                var idx = index(LaneValue.Affine(_e.I64(0), 1));
                address = LoadAddress(l, reshape is null ? idx : ReshapeIndex(reshape.Source.Type.Shape, operand.Type.Shape, idx));
            });
        }
        catch (NotVectorisableException)
        {
            return null;
        }
        finally
        {
            _laneSpan = savedSpan;
        }
        if (address.Kind is not (LaneKind.Affine or LaneKind.Uniform)) return null;
        foreach (var s in code) _e.Emit(s);
        return (address.Reg, address.LinearStride);
    }

    /// <summary>The load an operand read in place reads: its own, or its reshape's source's (stacked rows).</summary>
    private LoadOp InPlaceLoad(BlockValue operand) =>
        (LoadOp)(_plan.Def(operand) is ReshapeOp r ? _plan.Def(r.Source) : _plan.Def(operand))!;

    /// <summary>An operand is read in place when the plan left it inline (a load only this dot reads, with the
    /// <c>pack</c> knob at none) and it was not packed after all; otherwise from its packed row-major buffer.</summary>
    private bool ReadsInPlace(BlockValue operand) => _plan.Mode(operand) == ValueMode.Inline && !_buffers.ContainsKey(operand.Name);

    private void MicroKernel(DotOp d, LocalBuffer c, int m, int k, int n, int lanes)
    {
        var t = d.Result.Type.Element;
        bool fma = _target.HasFma && ScalarSemantics.IsFloat(t) && lanes > 1;
        bool aInPlace = ReadsInPlace(d.A), bInPlace = ReadsInPlace(d.B);
        var a = aInPlace ? null : _buffers[d.A.Name].Name;
        // A packed column-major ([K][M], KernelLowerer.Nests): a step of k moves M elements, a row one.
        bool aColumns = !aInPlace && _columnMajor.Contains(d.A.Name);
        var b = bInPlace ? null : _buffers[d.B.Name].Name;
        // A's element (row, p) as a scalar, B's vector (p, col .. col + lanes) limited to count lanes.
        Reg ReadA(Reg row, Reg p) => aInPlace
            ? Element(d.A, [LaneValue.Uniform(row), LaneValue.Uniform(p)]) is { IsUniform: true } x ? x.Reg : throw new NotVectorisableException("A varies across lanes")
            : _e.Load(MType.Scalar(t), a!, aColumns ? _e.Add(_e.Mul(p, m), row) : _e.Add(_e.Mul(row, k), p), hint: "a");
        // B packed in panels of the tile's width (KernelLowerer.Panels.cs): the tile at j0 reads j0·k + p·w + v·lanes,
        // w the panel's width (narrower for the last, partial panel).
        int? panel = !bInPlace && _panelWidth.TryGetValue(d.B.Name, out var pw) ? pw : null;
        Reg ReadB(Reg p, Reg col, Reg? count, string hint)
        {
            if (panel is not null) throw new InvalidOperationException("a panel-packed B is read through its tile's base");
            if (!bInPlace) return _e.Load(TypeOf(t, lanes), b!, _e.Add(_e.Mul(p, n), col), null, count, count is null ? null : default(Scalar), hint);
            var saved = _tailCount;
            _tailCount = count;
            // A B row with a lane stride (a stride-2 1×1 conv's input) is packed instead: read in place, every micro-tile
            // of every k step would load and deinterleave it again; packed, it is one strided copy per k block.
            _contiguousOnly = true;
            try
            {
                if (lanes == 1) return Element(d.B, [LaneValue.Uniform(p), LaneValue.Uniform(col)]).Reg;
                return VectorOf(Element(d.B, [LaneValue.Uniform(p), LaneValue.Affine(col, 1)]), t);
            }
            finally { _tailCount = saved; _contiguousOnly = false; }
        }

        // The last k step of a dot with a fused epilogue stores f(C) to the output instead of C.
        var epilogue = _epilogue is { } e && ReferenceEquals(e.Dot, d) ? e : null;
        // A tap nest's loops run inside each tile, around its k loop (KernelLowerer.TapNest.cs).
        var nest = _tapNest is { } tn && ReferenceEquals(tn.Dot, d) ? tn : null;
        // B read in place under a mask of its columns (ValuePlan.IsColumnMaskedB): tiles test their columns once.
        var bMask = bInPlace && _plan.IsColumnMaskedB(d.B) ? (LoadOp)_plan.Def(d.B)! : null;
        if (bMask is not null && (nest is not null || lanes == 1)) throw new NotVectorisableException("a column-masked B read in place needs vector tiles outside a tap nest");
        var epilogueWhen = _epilogueWhen;
        bool zeroStart = ReferenceEquals(_zeroStart, d);
        var zeroWhen = _zeroStartWhen;
        // Addresses that one k step moves by a constant are computed once per tile (row r of A, vector v of B at
        // p = 0) and stepped by p·stride in the k loop: the loop body then has one add per access, not the
        // operand's whole index arithmetic (which RyuJIT does not hoist).
        var aParam = aInPlace ? InPlaceLoad(d.A).Param : a!;
        var bParam = bInPlace ? ((LoadOp)_plan.Def(d.B)!).Param : b!;
        // A row (B column) further is a constant offset too where the address is affine in the row (column): then
        // one base per tile, and the rows (vectors) are constant displacements from it.
        var zero = LaneValue.Uniform(_e.I64(0));
        long? aRows = aInPlace ? InPlaceStep(d.A, i => [i, zero])?.Stride : aColumns ? 1 : k;
        var (mr, nr) = MicroTile();
        mr = Math.Min(mr, m);
        int width = nr * lanes;
        // B's columns are asked to be affine across the whole block first: a B laid out in panels (b'[n / P, k, n % P])
        // is where the block lies in one panel (its start a multiple of its width, which divides P: a conv's N block of
        // 80 in panels of 80, KnobSpace.ChannelColumnsPanelWidth); then every tile is, whatever its width. Else across
        // a whole tile (the vectors of a tile are displacements from its base): where the block's start is a multiple
        // of the tile's width and the width divides P. Tiles then start at multiples of the width only (no balanced N
        // tail).
        long? bCols = bInPlace ? InPlaceStep(d.B, j => [zero, j], (int)((n + lanes - 1) / lanes * lanes))?.Stride : 1;
        int runs = _alignedRuns;
        if (bCols is null) bCols = InPlaceStep(d.B, j => [zero, j], width)?.Stride;
        bool bPanels = _alignedRuns != runs;
        bool bContiguous = lanes == 1 || bCols == 1;
        (Reg Base, long Stride)? StepA(Reg row) => aInPlace ? InPlaceStep(d.A, p => [LaneValue.Uniform(row), p]) : aColumns ? (row, m) : (_e.Mul(row, k), 1);
        (Reg Base, long Stride)? StepB(Reg col) => !bInPlace ? (col, n) : bContiguous ? InPlaceStep(d.B, p => [p, LaneValue.Uniform(col)]) : null;
        // An epilogue with a polynomial (erf, exp, …) would keep the whole accumulator tile live beside its constants
        // and temporaries: the tile goes through a tile-sized buffer (L1) instead, see StoreTileThroughEpilogue.
        var tileBuffer = epilogue is not null && NeedsTileBuffer(epilogue) ? _e.NewBuffer("tile", t, (long)mr * width) : null;
        int unroll = (int)Math.Clamp(_config.GetInt(KnobNames.Unroll, 1), 1, 8);
        long mFull = m / mr * mr, nFull = n / width * width;
        var saved = _lanes;
        _lanes = lanes;

        // A column-masked B: the tile runs unmasked where its columns are all inside, else with each vector's count.
        void Tile(Reg i0, int rows, Reg j0, int vectors, int lastLanes)
        {
            if (bMask is null)
            {
                TileWith(i0, rows, j0, vectors, lastLanes, null);
                return;
            }
            var (inside, maskCounts) = ColumnMaskCounts(bMask, j0, vectors, lanes, lastLanes);
            if (inside is null) TileWith(i0, rows, j0, vectors, lastLanes, maskCounts);
            else _e.If(inside, () => TileWith(i0, rows, j0, vectors, lastLanes, null), () => TileWith(i0, rows, j0, vectors, lastLanes, maskCounts));
        }

        void TileWith(Reg i0, int rows, Reg j0, int vectors, int lastLanes, Reg[]? maskCounts)
        {
            var type = TypeOf(t, lanes);
            var acc = new Reg[rows, vectors];
            var rowBase = new Reg[rows];
            var counts = new Reg?[vectors];
            if (lastLanes < lanes) counts[vectors - 1] = _e.I64(lastLanes);
            // B's vectors: the tile's counts, limited by the column mask's where the tile is not all inside.
            var bCounts = new Reg?[vectors];
            for (int v = 0; v < vectors; v++)
                bCounts[v] = maskCounts is null ? counts[v] : counts[v] is { } cv ? _e.Min(cv, maskCounts[v]) : maskCounts[v];
            for (int r = 0; r < rows; r++)
            {
                rowBase[r] = _e.Add(i0, _e.I64(r));
                for (int v = 0; v < vectors; v++) acc[r, v] = _e.NewReg($"c{r}{v}", type);
            }
            void LoadC()
            {
                for (int r = 0; r < rows; r++)
                {
                    var cRow = _e.Add(_e.Mul(rowBase[r], n), j0);
                    for (int v = 0; v < vectors; v++)
                        _e.Emit(new LoadStmt(acc[r, v], c.Name, _e.Add(cRow, _e.I64(v * lanes)), null, counts[v], counts[v] is null ? null : default(Scalar)));
                }
            }
            void Zero()
            {
                foreach (var x in acc) _e.Emit(new MoveStmt(x, _e.Const(default, type)));
            }
            if (!zeroStart) LoadC();
            else if (zeroWhen is null) Zero();
            else _e.If(zeroWhen, Zero, LoadC);
            if (nest is null) Steps();
            else TapLoops(nest, 0, Steps);
            void Steps()
            {
                // Per row (vector): a base register and a constant displacement from it.
                var aStep = new (Reg Base, long Stride, long Offset)?[rows];
                var bStep = new (Reg Base, long Stride, long Offset)?[vectors];
                var a0 = StepA(rowBase[0]);
                for (int r = 0; r < rows; r++)
                    aStep[r] = a0 is { } s0 && aRows is { } ar ? (s0.Base, s0.Stride, r * ar) : StepA(rowBase[r]) is { } sr ? (sr.Base, sr.Stride, 0) : null;
                var b0 = panel is { } w0 ? ((Reg Base, long Stride)?)(_e.Mul(j0, k), vectors == nr && lastLanes == lanes ? w0 : (vectors - 1) * lanes + lastLanes) : StepB(j0);
                for (int v = 0; v < vectors; v++)
                    bStep[v] = b0 is { } s0 && bCols is { } bc ? (s0.Base, s0.Stride, v * lanes * bc)
                        : StepB(_e.Add(j0, _e.I64(v * lanes))) is { } sv ? (sv.Base, sv.Stride, 0) : null;
                // Step q of an unrolled group at p reads at p's address plus q strides: one multiply per operand per group (the
                // emitter's CSE), the rest constant displacements the JIT folds into each load's address.
                Reg At((Reg Base, long Stride, long Offset) s, Reg p, int q = 0) => _e.Add(_e.Add(s.Base, _e.Mul(p, s.Stride)), _e.I64(s.Offset + q * s.Stride));
                void Step(Reg p0, int q)
                {
                    Reg? pq = null;
                    Reg P() => pq ??= q == 0 ? p0 : _e.Add(p0, _e.I64(q));
                    var bv = new Reg[vectors];
                    for (int v = 0; v < vectors; v++)
                        bv[v] = bStep[v] is { } sb
                            ? _e.Load(TypeOf(t, lanes), bParam, At(sb, p0, q), null, bCounts[v], bCounts[v] is null ? null : default(Scalar), "b" + v)
                            : ReadB(P(), _e.Add(j0, _e.I64(v * lanes)), bCounts[v], "b" + v);
                    for (int r = 0; r < rows; r++)
                    {
                        var s = aStep[r] is { } sa ? _e.Load(MType.Scalar(t), aParam, At(sa, p0, q), hint: "a") : ReadA(rowBase[r], P());
                        var av = lanes > 1 ? _e.Broadcast(s, lanes, "a" + r) : s;
                        for (int v = 0; v < vectors; v++)
                        {
                            if (fma) _e.Emit(new FmaStmt(acc[r, v], av, bv[v], acc[r, v]));
                            else _e.Emit(new BinaryStmt(acc[r, v], BinaryOp.Add, acc[r, v], _e.Binary(BinaryOp.Mul, av, bv[v], "ab")));
                        }
                    }
                }
                int u = Math.Min(unroll, k);
                long kFull = k / u * u;
                _e.Loop("p", _e.I64(0), _e.I64(kFull), u, p =>
                {
                    for (int q = 0; q < u; q++) Step(p, q);
                });
                if (kFull < k) _e.Loop("p", _e.I64(kFull), _e.I64(k), 1, p => Step(p, 0));
            }
            void StoreC()
            {
                for (int r = 0; r < rows; r++)
                {
                    var cRow = _e.Add(_e.Mul(rowBase[r], n), j0);
                    for (int v = 0; v < vectors; v++)
                        _e.Emit(new StoreStmt(c.Name, _e.Add(cRow, _e.I64(v * lanes)), acc[r, v], null, counts[v]));
                }
            }
            void StoreOut()
            {
                if (tileBuffer is not null)
                {
                    StoreTileThroughEpilogue(epilogue!, tileBuffer, i0, j0, acc, counts, lanes);
                    return;
                }
                for (int r = 0; r < rows; r++)
                    for (int v = 0; v < vectors; v++)
                        StoreThroughEpilogue(epilogue!, rowBase[r], _e.Add(j0, _e.I64(v * lanes)), counts[v], acc[r, v]);
            }
            if (epilogue is null) StoreC();
            else if (epilogueWhen is null) StoreOut();
            else _e.If(epilogueWhen, StoreOut, StoreC);
        }

        // A tail of fewer than half a tile's vectors (rows) is latency-bound: its few accumulators cannot keep the FMA
        // units busy (one row of 4 vectors: 4 chains of 4-cycle FMAs, a quarter of the 6×4 tile's rate). The last full
        // tile and such a tail become two tiles of about equal size instead (7 rows: 4 + 3, not 6 + 1; 13 vectors:
        // 4 + 4 + 3 + 2, not 4 + 4 + 4 + 1). Not for panel-packed B, whose panels are laid out a full tile wide.
        long vectorsN = (n + lanes - 1) / lanes;
        int restVectors = (int)(vectorsN - nFull / lanes);
        bool splitN = panel is null && !bPanels && nFull >= width && restVectors > 0 && 2 * restVectors < nr;
        long nLoop = splitN ? nFull - width : nFull;
        // The column tiles (j0, vectors, lanes of the last) of the block, the last full one and a short tail balanced.
        void Columns(Action<Reg, int, int> at)
        {
            _e.Loop("j", _e.I64(0), _e.I64(nLoop), width, j0 => at(j0, nr, lanes));
            long rest = n - nLoop;
            if (rest <= 0) return;
            int restLanes = (int)(rest - (rest - 1) / lanes * lanes);
            if (splitN)
            {
                int total = nr + restVectors, first = (total + 1) / 2;
                at(_e.I64(nLoop), first, lanes);
                at(_e.I64(nLoop + first * lanes), total - first, restLanes);
            }
            else at(_e.I64(nLoop), (int)((rest + lanes - 1) / lanes), restLanes);
        }
        // The row tiles (i0, rows) likewise.
        int restRows = (int)(m - mFull);
        bool splitM = mFull >= mr && restRows > 0 && 2 * restRows < mr;
        long mLoop = splitM ? mFull - mr : mFull;
        void Rows(Action<Reg, int> at)
        {
            _e.Loop("i", _e.I64(0), _e.I64(mLoop), mr, i0 => at(i0, mr));
            if (splitM)
            {
                int first = (mr + restRows + 1) / 2;
                at(_e.I64(mLoop), first);
                at(_e.I64(mLoop + first), mr + restRows - first);
            }
            else if (mFull < m) at(_e.I64(mFull), restRows);
        }

        try
        {
            // Rows outside: a row of A stays in L1 across its column tiles. A tap nest streams the B rows of all its
            // steps through every tile: columns outside, so the row tiles share one column tile's B rows in L2 (not
            // every column's, alternately). Columns outside for every dot was measured on inception_v2 (41 kernels, 1
            // thread, 4 alternations): the 7×7 1×1 convs with K 1024 took 5% less (k99, k111: a 64-wide column's
            // [128, 64] B slice stays in L1 across the row tiles), the 14×14 1×1 convs 0.5–3.5% more; 14.53 → 14.49 ms
            // summed, within noise. Kept rows outside.
            if (nest is null) Rows((i0, rows) => Columns((j0, vectors, last) => Tile(i0, rows, j0, vectors, last)));
            else Columns((j0, vectors, last) => Rows((i0, rows) => Tile(i0, rows, j0, vectors, last)));
        }
        finally
        {
            _lanes = saved;
        }
    }

    /// <summary>The lane counts of a column-masked B's vectors in the tile at <paramref name="j0"/> (its mask at k = 0:
    /// the mask is [1, N], the same for every k) and the condition that every vector is whole (the last one up to
    /// <paramref name="lastLanes"/>), null where the mask has no bound to test. A mask that is not a tail range of the
    /// columns throws NotVectorisableException: TryMicroKernel then packs B.</summary>
    private (Reg? Inside, Reg[] Counts) ColumnMaskCounts(LoadOp l, Reg j0, int vectors, int lanes, int lastLanes)
    {
        var mask = l.Mask!;
        var zero = LaneValue.Uniform(_e.I64(0));
        var counts = new Reg[vectors];
        Reg? inside = null;
        var (savedProbe, savedTail) = (_maskProbe, _tailCount);
        _tailCount = null;
        try
        {
            for (int v = 0; v < vectors; v++)
            {
                var bounds = new List<MaskBound>();
                _maskProbe = bounds;
                var m = Element(mask, BroadcastIndex(mask.Type.Shape, l.Result.Type.Shape, [zero, LaneValue.Affine(_e.Add(j0, _e.I64(v * lanes)), 1)]));
                var (from, count) = AccessRange(m);
                if (from is not null) throw new NotVectorisableException("a column mask with a head range");
                counts[v] = count ?? _e.I64(lanes);
                int need = v == vectors - 1 ? lastLanes : lanes;
                foreach (var b in bounds)
                {
                    var c = b.Kind switch
                    {
                        MaskBoundKind.Tail => _e.Binary(BinaryOp.Ge, b.Reg, _e.I64(need), "inside"),
                        MaskBoundKind.Uniform => b.Reg,
                        _ => throw new NotVectorisableException("a column mask with a head range"),
                    };
                    inside = inside is null ? c : _e.Binary(BinaryOp.And, inside, c, "inside");
                }
            }
        }
        finally
        {
            (_maskProbe, _tailCount) = (savedProbe, savedTail);
        }
        return (inside, counts);
    }
}
