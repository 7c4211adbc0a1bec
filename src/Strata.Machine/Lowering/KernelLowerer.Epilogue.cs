using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// A dot's elementwise epilogue applied to the micro-kernel's accumulator registers: C is stored once, to the output.
internal sealed partial class KernelLowerer
{
    /// <summary>What the dot's last k step stores instead of C. Either the dot's result <c>R</c> (a top-level dot, or
    /// the in-place k loop around one) is stored straight to the output (<c>store %Y[%i, %j], R</c>), or it goes
    /// through a scratch parameter and elementwise ops of the dot's [M, N] shape, the last stored to the output at the
    /// same index under the same mask (a block's row or column tail) as the scratch store (the load's mask, if any,
    /// too):
    /// <code>store %S[%i, %j], R mask %m;  %v = load %S[%i, %j];  %e = f(%v, bias, …);  store %Y[%i, %j], %e mask %m</code>
    /// Lowered, each micro-tile of the last k step applies f to its registers (<see cref="Seed"/> names the value that
    /// stands for them) and stores them to Y: the C block is not stored, read back (and stored to scratch) first.
    /// <see cref="Next"/>: the index of the first top-level op after the fused ones.</summary>
    /// <see cref="Layout"/>: where the epilogue's values have unit axes around the dot's [M, N] (a conv's batch of 1,
    /// and a strided conv's output row, [1, co, 1, ow], added by a reshape of the dot's result): per axis of their shape,
    /// 0 for M's index, 1 for N's, -1 for a unit axis; empty where they are [M, N] themselves.
    private sealed record DotEpilogue(BlockOp Source, DotOp Dot, string Seed, ImmutableArray<BlockOp> Chain, StoreOp Out, int Next, ImmutableArray<int> Layout = default);

    /// <summary>The epilogue the dot being lowered applies per micro-tile (null: it stores C).</summary>
    private DotEpilogue? _epilogue;

    /// <summary>The dot being lowered starts from zero accumulators instead of loading C (its first k step, where the
    /// accumulator is a constant 0), so C needs no zero fill.</summary>
    private DotOp? _zeroStart;

    /// <summary>Where set, the epilogue (zero start) applies only when this register is true (the last (first)
    /// iteration of the k loop).</summary>
    private Reg? _epilogueWhen, _zeroStartWhen;

    /// <summary>The most vector statements (loads, stores, arithmetic) a dot with its epilogue in registers may lower
    /// to. The micro-kernel holds a tile per row and column tail (up to 9 shapes, ~90 accumulators for a 64 × 196
    /// block), each with its own copy of the epilogue per accumulator, and the clr backend makes every vector register
    /// an IL local. What the bound protects: RyuJIT stops inlining once a method has about 512 locals, and compiles a
    /// method of more than 2,000 locals (or 8,000 local references) without optimisation. The first limit cost resnet50's 14×14 1×1 convs 0.63 →
    /// 4.9 ms (768 vector statements, 378 calls to <c>Vector512.Load/Add/Store</c>) while the backend emitted the
    /// generic vector API; it now emits the host's own intrinsics (<c>Avx512F</c>, …), which never become calls, so
    /// only the second limit binds. Over the bound the dot stores C and the epilogue runs as a loop after it, as
    /// without fusion. Measured (1 thread, a bound of 300 against none): resnet50 48.3 / 49.1 → 47.3 / 46.5 ms, the
    /// other light models within noise and call-free.</summary>
    internal const int EpilogueBudget = 1500;

    /// <summary>Chain values computed for the micro-tile element being stored (they stand for the whole block value).</summary>
    private readonly Dictionary<string, LaneValue> _tileValues = new(StringComparer.Ordinal);

    /// <summary>Lowers the top-level ops; a dot followed by an epilogue that matches <see cref="DotEpilogue"/> is
    /// lowered with the epilogue in registers, and the ops of the epilogue are not lowered again.</summary>
    private void LowerTop(ImmutableArray<BlockOp> ops)
    {
        for (int i = 0; i < ops.Length; i++)
        {
            if (_options.MicroKernel && MatchEpilogue(ops, i) is { } e && TryFusedDot(e))
            {
                i = e.Next - 1;
                continue;
            }
            LowerOp(ops[i]);
        }
    }

    private DotEpilogue? MatchEpilogue(ImmutableArray<BlockOp> ops, int i)
    {
        DotOp? dot = ops[i] switch
        {
            DotOp d => d,
            ForOp f when f.IterArgs.Length == 1 && f.Body.OfType<DotOp>().SingleOrDefault() is { } d && _plan.InPlace(d)
                && f.Yields[0].Name == d.Result.Name && TripCount(f) >= 1 => d,
            // A conv's tap loops around its dot, run inside each micro-tile (KernelLowerer.TapNest.cs): the tile's
            // accumulators hold the final sums after the nest, so the epilogue applies to them before the one store.
            ForOp f when MatchTapNest(f) is { } nest => nest.Dot,
            _ => null,
        };
        if (dot is null || !MicroKernelApplies(dot)) return null;
        var result = ops[i].Results.Single();
        if (_plan.Consumers(result) != 1) return null;
        // A reshape that only inserts unit axes into [M, N] (a conv's [co, oh·ow] as [1, co, oh·ow], a conv's output row
        // [co, ow] as [1, co, 1, ow]) is the same tile: the epilogue then works on the reshaped value.
        ImmutableArray<int> layout = default;
        ReshapeOp? reshape = null;
        for (int r = i + 1; r < ops.Length; r++)
        {
            if (ops[r] is ReshapeOp rs && rs.Source.Name == result.Name && InsertedUnits(rs.Result.Type.Shape, result.Type.Shape) is { } n
                && _plan.Consumers(rs.Result) == 1)
                (reshape, layout) = (rs, n);
            if (ops[r].Operands.Any(o => o.Name == result.Name) || ops[r] is StoreOp or ForOp) break;
        }
        if (reshape is not null) result = reshape.Result;
        // Between the dot and its store only values computed where they are used (a masked block's store mask).
        int at = i + 1;
        while (at < ops.Length && (ReferenceEquals(ops[at], reshape) || ops[at] is not (StoreOp or ForOp) && !ops[at].Operands.Any(o => o.Name == result.Name)
               && ops[at].Results.All(r => _plan.Mode(r) == ValueMode.Inline))) at++;
        if (at >= ops.Length) return null;
        var shape = result.Type.Shape;
        // Either C is stored (to the output, or to scratch and loaded back), or the chain reads C itself (the Block
        // pass ForwardScratchStores replaced an unmasked scratch round trip by the stored value).
        StoreOp? scratch = null;
        if (ops[at] is StoreOp st)
        {
            if (st.Value.Name != result.Name || !CoversBlock(st.Indices, shape)) return null;
            if (_kernel.Params.FirstOrDefault(p => p.Name == st.Param) is not { Role: ParamRole.Scratch })
                return ReadsParam(_kernel.Body, st.Param) || !RowsContiguous(ops[i], st, shape, layout) ? null
                    : new DotEpilogue(ops[i], dot, result.Name, [], st, at + 1, layout);
            scratch = st;
        }
        int first = scratch is null ? i + 1 : at + 1;
        LoadOp? load = null;
        StoreOp? output = null;
        var chain = ImmutableArray.CreateBuilder<BlockOp>();
        var chainValues = new HashSet<string>(StringComparer.Ordinal);
        if (scratch is null) chainValues.Add(result.Name);
        for (int j = first; j < ops.Length; j++)
        {
            var op = ops[j];
            if (ReferenceEquals(op, reshape)) continue;
            bool readsChain = op.Operands.Any(o => chainValues.Contains(o.Name));
            switch (op)
            {
                case LoadOp l when l.Param == scratch?.Param:
                    // A masked load reads what the store wrote where their masks agree (the same value, or none).
                    if (load is not null || !SameMask(l.Mask, scratch.Mask) && l.Mask is not null || !SameValues(l.Indices, scratch.Indices)
                        || !l.Result.Type.Shape.SequenceEqual(shape)) return null;
                    load = l;
                    chainValues.Add(l.Result.Name);
                    continue;
                case StoreOp s when readsChain:
                    // Through scratch, the output is written where the scratch was (a block's row or column tail masks
                    // both alike): there the loaded value is the dot's.
                    if (output is not null || !s.Value.Type.Shape.SequenceEqual(shape) || _plan.Consumers(s.Value) != 1) return null;
                    if (scratch is null ? !CoversBlock(s.Indices, shape)
                        : !SameMask(s.Mask, scratch.Mask) || s.Param == scratch.Param || !SameValues(s.Indices, scratch.Indices)) return null;
                    output = s;
                    continue;
                case UnaryBlockOp or BinaryBlockOp or SelectBlockOp or CastBlockOp when readsChain:
                    var v = op.Results.Single();
                    if (!v.Type.Shape.SequenceEqual(shape)) return null;
                    chain.Add(op);
                    chainValues.Add(v.Name);
                    continue;
            }
            // Anything else after the dot must be computed where it is used (so it needs no place in the order), and
            // must not read the scratch or output memory or the epilogue's values.
            if (readsChain || op is StoreOp || op is ForOp || op.Results.Any(r => _plan.Mode(r) != ValueMode.Inline)) return null;
            if (op is LoadOp other && (other.Param == scratch?.Param || other.Param == output?.Param)) return null;
        }
        string seed = scratch is null ? result.Name : load?.Result.Name ?? "";
        if (scratch is not null && load is null || output is null
            || output.Value.Name != (chain.Count == 0 ? seed : chain[^1].Results.Single().Name)) return null;
        // Every chain value is read only inside the chain or by the output store (the last one).
        foreach (var name in chainValues)
            if (ops.Skip(first).Any(o => o.Operands.Any(x => x.Name == name) && o is not StoreOp && !chain.Contains(o))) return null;
        // The output is written while the last k step still reads the operands: none may be read from it.
        if (ReadsParam(_kernel.Body, output.Param) || !RowsContiguous(ops[i], output, shape, layout)) return null;
        return new DotEpilogue(ops[i], dot, seed, chain.ToImmutable(), output, ops.Length, layout);
    }

    /// <summary>For a tap nest (<paramref name="source"/> a loop): whether the output's last index is the only one that
    /// moves along the dot's N axis, so that an accumulator vector is stored contiguously. A channels-as-columns conv
    /// (M = ow, N = co) stores C transposed, which the micro-tile cannot (the attempt would fail after lowering the
    /// whole nest); it keeps its store and epilogue loops. Other dots are tried as before.</summary>
    private static bool RowsContiguous(BlockOp source, StoreOp output, ImmutableArray<int> shape, ImmutableArray<int> layout)
    {
        if (source is not ForOp || output.Indices.Length == 0) return true;
        int nAxis = layout.IsDefault ? shape.Length - 1 : layout.IndexOf(1);
        if (nAxis < 0 || shape[nAxis] == 1) return true;
        bool Moves(BlockValue index)
        {
            var s = index.Type.Shape;
            int at = nAxis - (shape.Length - s.Length);
            return at >= 0 && at < s.Length && s[at] > 1;
        }
        return Moves(output.Indices[^1]) && output.Indices.SkipLast(1).All(x => !Moves(x));
    }

    /// <summary>Where <paramref name="shape"/> is <paramref name="inner"/> with unit axes inserted (at least one): per
    /// axis of <paramref name="shape"/>, the axis of <paramref name="inner"/> it is, or -1 for an inserted unit axis;
    /// null otherwise. A unit axis of <paramref name="inner"/> may match any unit axis of <paramref name="shape"/>: its
    /// index is 0 at all of them.</summary>
    private static ImmutableArray<int>? InsertedUnits(ImmutableArray<int> shape, ImmutableArray<int> inner)
    {
        if (shape.Length <= inner.Length) return null;
        var map = new int[shape.Length];
        int j = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (j < inner.Length && shape[d] == inner[j]) map[d] = j++;
            else if (shape[d] == 1) map[d] = -1;
            else return null;
        }
        return j == inner.Length ? ImmutableArray.Create(map) : null;
    }

    /// <summary>Whether a store at these indices writes each element of a block of this shape once (its index values
    /// broadcast to the shape, not beyond it).</summary>
    private static bool CoversBlock(ImmutableArray<BlockValue> indices, ImmutableArray<int> shape) =>
        ShapeMath.Broadcast([.. indices.Select(x => x.Type.Shape.ToArray()), [.. shape]]).SequenceEqual(shape);

    /// <summary>Whether the epilogue applies a unary op that is not a few instructions (erf, exp, …: a helper call, or
    /// inlined, ~30 constants and temporaries). Applied to the accumulator registers directly, the whole tile is live
    /// across it, and RyuJIT spills the accumulators at each definition, in the k loop too (strata bench --profile MLP
    /// 128x768x3072: Gelu kernel 3.9 ms as a separate loop, 11.6 ms so); such an epilogue goes through a tile
    /// buffer.</summary>
    private static bool NeedsTileBuffer(DotEpilogue e) => e.Chain.Any(op => op is UnaryBlockOp u && !IsCheapUnary(u.Op));

    /// <summary>Stores the accumulator tile to <paramref name="buffer"/> (rows × NR vectors, in L1) and applies the
    /// epilogue to it one vector at a time, in loops over its rows and its whole vectors (the partial last vector
    /// apart): the accumulators are dead before the epilogue starts, and the method holds one or two copies of the
    /// epilogue's code per tile shape, not one per accumulator.</summary>
    private void StoreTileThroughEpilogue(DotEpilogue e, LocalBuffer buffer, Reg i0, Reg j0, Reg[,] acc, Reg?[] counts, int lanes)
    {
        int rows = acc.GetLength(0), vectors = acc.GetLength(1), stride = vectors * lanes;
        var type = acc[0, 0].Type;
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < vectors; v++)
                _e.Emit(new StoreStmt(buffer.Name, _e.I64(r * stride + v * lanes), acc[r, v], null, null));
        int whole = counts[vectors - 1] is null ? vectors : vectors - 1;
        void Apply(Reg r, Reg v, Reg? count)
        {
            var x = _e.Load(type, buffer.Name, _e.Add(_e.Mul(r, stride), _e.Mul(v, lanes)), hint: "e");
            StoreThroughEpilogue(e, _e.Add(i0, r), _e.Add(j0, _e.Mul(v, lanes)), count, x);
        }
        _e.Loop("er", _e.I64(0), _e.I64(rows), 1, r =>
        {
            if (whole > 0) _e.Loop("ev", _e.I64(0), _e.I64(whole), 1, v => Apply(r, v, null));
            if (whole < vectors) Apply(r, _e.I64(whole), counts[vectors - 1]);
        });
    }

    /// <summary>A statement that reads, writes or computes a vector (one IL local or more in the clr backend: what
    /// <see cref="EpilogueBudget"/> bounds).</summary>
    private static bool IsVectorOp(MStmt s) => s.Dest is { Type.IsVector: true } || s is StoreStmt { Value.Type.IsVector: true };

    /// <summary>The vector statements of <paramref name="code"/>, in loops and ifs too.</summary>
    private static int VectorOps(IEnumerable<MStmt> code) => code.Sum(s => s switch
    {
        LoopStmt l => VectorOps(l.Body),
        IfStmt i => VectorOps(i.Then) + VectorOps(i.Else),
        _ => IsVectorOp(s) ? 1 : 0,
    });

    /// <summary>Unary ops that are a few instructions (no helper call, no polynomial).</summary>
    internal static bool IsCheapUnary(UnaryOp op) => op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Relu or UnaryOp.Not or UnaryOp.BitNot;

    private static bool ReadsParam(ImmutableArray<BlockOp> ops, string param) =>
        ops.Any(o => o is LoadOp l && l.Param == param || o is ForOp f && ReadsParam(f.Body, param));

    private static bool SameMask(BlockValue? a, BlockValue? b) => a is null ? b is null : b is not null && a.Name == b.Name;

    private static bool SameValues(ImmutableArray<BlockValue> a, ImmutableArray<BlockValue> b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First.Name == p.Second.Name);

    /// <summary>The number of iterations of a for loop with constant bounds (0 where the bounds are not constants: its
    /// last iteration is not known at compile time).</summary>
    private long TripCount(ForOp f)
    {
        if (_plan.Def(f.Lower) is not ConstantOp lo || _plan.Def(f.Upper) is not ConstantOp hi || f.Step <= 0) return 0;
        long extent = hi.Value.I - lo.Value.I;
        return extent > 0 ? (extent + f.Step - 1) / f.Step : 0;
    }

    /// <summary>Whether <see cref="TryMicroKernel"/> takes this dot (checked before lowering, so that the fused path
    /// is only chosen where it will be used).</summary>
    private bool MicroKernelApplies(DotOp d)
    {
        var t = d.Result.Type.Element;
        return d.A.Type.Element == t && d.B.Type.Element == t && d.A.Type.Shape[1] > 0
            && _plan.Mode(d.A) != ValueMode.Register && _plan.Mode(d.B) != ValueMode.Register;
    }

    /// <summary>Lowers the dot (or its k loop, with the last iteration peeled) with the epilogue in registers. False
    /// when the epilogue has no lane-wise form here; then nothing was emitted and the ops lower one by one.</summary>
    private bool TryFusedDot(DotEpilogue e)
    {
        var (regs, buffers) = (new Dictionary<string, Reg>(_regs), new Dictionary<string, LocalBuffer>(_buffers));
        int made = _e.Buffers.Count;
        var code = Attempt();
        // Not lane-wise here, or over the budget: back to the state before the attempt (what it packed, defined or
        // made is forgotten); the ops lower one by one.
        if (code is not { } fused || !NeedsTileBuffer(e) && VectorOps(fused) > EpilogueBudget)
        {
            Restore(_regs, regs);
            Restore(_buffers, buffers);
            _e.ForgetBuffersFrom(made);
            return false;
        }
        foreach (var s in fused) _e.Emit(s);
        return true;

        ImmutableArray<MStmt>? Attempt()
        {
            try
            {
                return _e.Collect(() =>
                {
                    if (e.Source is ForOp n && MatchTapNest(n) is { } nest)
                    {
                        _epilogue = e;
                        LowerTapNest(nest, n, fallBack: false);
                    }
                    else if (e.Source is ForOp f) LowerForWithEpilogue(f, e);
                    else
                    {
                        _epilogue = e;
                        _zeroStart = IsZero(e.Dot.Accumulator) ? e.Dot : null;
                        LowerDot(e.Dot);
                    }
                });
            }
            catch (NotVectorisableException)
            {
                return null;
            }
            finally
            {
                (_zeroStart, _zeroStartWhen, _epilogue, _epilogueWhen) = (null, null, null, null);
                _tileValues.Clear();
            }
        }
    }

    private static void Restore<T>(Dictionary<string, T> target, Dictionary<string, T> saved)
    {
        target.Clear();
        foreach (var (k, v) in saved) target[k] = v;
    }

    /// <summary>The in-place k loop of the dot as one loop: its last iteration's dot applies the epilogue, chosen at
    /// run time per micro-tile (peeling the iteration would double the micro-kernel code, and a method that large
    /// makes RyuJIT stop expanding vector intrinsics). With a zero accumulator the first iteration's dot starts from
    /// zero registers, so the accumulator buffer is never filled with zeros.</summary>
    private void LowerForWithEpilogue(ForOp f, DotEpilogue e)
    {
        var a = f.IterArgs[0];
        var buffer = _e.NewBuffer(a.Name, a.Type.Element, a.Type.Size);
        bool zero = IsZero(f.Inits[0]);
        if (!zero) Copy(buffer, f.Inits[0]);
        _buffers[a.Name] = buffer;
        long trips = TripCount(f), first = ((ConstantOp)_plan.Def(f.Lower)!).Value.I, last = first + (trips - 1) * f.Step;
        var iv = MType.Scalar(f.InductionVar.Type.Element);
        _e.Loop(f.InductionVar.Name, _e.I64(first), _e.I64(last + f.Step), f.Step, k =>
        {
            _regs[f.InductionVar.Name] = _e.Cast(k, iv);
            _zeroStart = zero ? e.Dot : null;
            _zeroStartWhen = trips == 1 ? null : _e.Binary(BinaryOp.Eq, k, _e.I64(first), "first");
            _epilogue = e;
            _epilogueWhen = trips == 1 ? null : _e.Binary(BinaryOp.Eq, k, _e.I64(last), "last");
            LowerOps(f.Body);
            (_zeroStart, _zeroStartWhen, _epilogue, _epilogueWhen) = (null, null, null, null);
        });
        _buffers[f.LoopResults[0].Name] = buffer;
    }

    /// <summary>Applies the epilogue to one accumulator vector (row <paramref name="row"/> of the block, columns from
    /// <paramref name="col"/>, <paramref name="count"/> lanes if the tile's last vector is partial) and stores it.</summary>
    private void StoreThroughEpilogue(DotEpilogue e, Reg row, Reg col, Reg? count, Reg acc)
    {
        var saved = _tailCount;
        _tailCount = count;
        try
        {
            LaneValue[] tile = [LaneValue.Uniform(row), _lanes > 1 ? LaneValue.Affine(col, 1) : LaneValue.Uniform(col)];
            var idx = e.Layout.IsDefault ? tile : e.Layout.Select(a => a < 0 ? LaneValue.Uniform(_e.I64(0)) : tile[a]).ToArray();
            _tileValues[e.Seed] = _lanes > 1 ? LaneValue.Vector(acc) : LaneValue.Uniform(acc);
            foreach (var op in e.Chain)
            {
                var v = op.Results.Single();
                _tileValues[v.Name] = ElementOf(op, v, idx);
            }
            var shape = e.Out.Value.Type.Shape;
            var strides = _paramStrides[e.Out.Param];
            var address = LaneValue.Uniform(_e.I64(0));
            for (int d = 0; d < e.Out.Indices.Length; d++)
            {
                var ix = ToI64(Element(e.Out.Indices[d], BroadcastIndex(e.Out.Indices[d].Type.Shape, shape, idx)), e.Out.Indices[d].Type.Element);
                address = AddAffine(address, MulAffine(ix, strides[d]));
            }
            // A masked block (its rows or columns past the tensor's end) stores only where the mask holds: a uniform
            // row mask is the vector's count (all lanes or none), a column range limits it further.
            LaneValue? mask = e.Out.Mask is { } m ? Element(m, BroadcastIndex(m.Type.Shape, shape, idx)) : null;
            Write(e.Out.Param, e.Out.Value.Type.Element, address, Element(e.Out.Value, idx), mask);
        }
        finally
        {
            _tailCount = saved;
            _tileValues.Clear();
        }
    }
}
