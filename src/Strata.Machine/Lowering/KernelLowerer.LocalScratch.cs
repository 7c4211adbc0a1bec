using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;

namespace Strata.Machine.Lowering;

// A scratch round trip that stays inside the program's block: a local buffer instead of the whole-tensor scratch.
internal sealed partial class KernelLowerer
{
    /// <summary>A scratch parameter lowered to a program-local buffer: <see cref="Strides"/> per parameter dim (0 for
    /// a dim every access indexes with the same scalar). The buffer is declared at its first access (a round trip that
    /// a dot's epilogue takes into registers needs none).</summary>
    private sealed class LocalScratch(string param, DataType element, long size, ImmutableArray<long> strides, MachineEmitter e)
    {
        private string? _buffer;
        public ImmutableArray<long> Strides { get; } = strides;
        public string Buffer => _buffer ??= e.NewBuffer(param + "_local", element, size).Name;
    }

    private readonly Dictionary<string, LocalScratch> _localScratch = new(StringComparer.Ordinal);

    /// <summary>Finds the scratch parameters a program writes once and reads back only where it wrote, through other
    /// reshapes of the same index ranges: a channels-as-columns conv stores its [positions, co] dot result transposed
    /// into the [co, positions] scratch, and its epilogue (bias, residual, ReLU) reads it back in that order. The Block
    /// pass ForwardScratchStores forwards only a load at the very same indices, and Block has no transpose, so such a
    /// block went through the whole-tensor scratch: written with strided stores all over memory and read back from
    /// there by every program. In a buffer of the program's block (25 KiB for 128 channels of 7×7) both stay in L1.
    /// Applies to a scratch parameter stored exactly once, unmasked, at the top level, and loaded only unmasked at the
    /// top level after that store, where every index (store and loads alike) in a dim is either the same scalar or a
    /// reshape of the same 1-D <c>arange</c>, each arange on an axis of its own in the stored block and the block
    /// exactly their product: the loads then read only elements this program stored (scratch is private to the kernel).
    /// Measured (h/cc, 1 thread CPU, Zen 4 at 118 GFLOP/s, heavily loaded host): with the round trip removed altogether
    /// (wrong results, an upper bound) resnet50's 7×7 1×1 convs took 0.89–0.91 of their time; through the local buffer,
    /// 6 order-balanced alternations with main, 0.86–0.93 (512→2048 + residual 1.40 → 1.26 ms, 2048→512 1.26 → 1.14)
    /// against 0.94–0.98 for untouched 1×1 convs of the same runs; its 3×3 convs on 7×7 (scalar transposed stores)
    /// 0.91–0.96, inception_v2's 7×7 and 14×14 ones within the noise. The strided stores themselves remain (one
    /// extracting store per lane): a transpose in registers is what is left of the gap.</summary>
    private void PlanLocalScratch()
    {
        if (!_options.LocalScratch) return;
        foreach (var p in _kernel.Params.Where(p => p.Role == ParamRole.Scratch))
        {
            var body = _kernel.Body;
            if (body.OfType<ForOp>().Any(f => Touches(f.Body, p.Name))) continue;
            var stores = body.OfType<StoreOp>().Where(s => s.Param == p.Name).ToArray();
            if (stores is not [{ Mask: null } store] || !IsDotResult(store.Value)) continue;
            int at = body.IndexOf(store);
            var loads = body.Select((op, i) => (op, i)).Where(x => x.op is LoadOp l && l.Param == p.Name).ToArray();
            if (loads.Length == 0 || loads.Any(x => x.i < at || ((LoadOp)x.op).Mask is not null)) continue;
            if (Ranges(store.Indices, store.Value.Type.Shape.ToArray()) is not { } ranges) continue;
            var accesses = loads.Select(x => ((LoadOp)x.op).Indices).ToArray();
            if (!accesses.All(ix => SameRanges(ix, store.Indices))) continue;
            var strides = new long[p.Rank];
            long size = 1;
            for (int d = p.Rank - 1; d >= 0; d--)
            {
                strides[d] = ranges[d] is { } a ? size : 0;
                size *= ranges[d]?.Length ?? 1;
            }
            _localScratch[p.Name] = new LocalScratch(p.Name, p.Element, size, [.. strides], _e);
        }
    }

    /// <summary>Whether a value is a dot's result, or the k loop's around one (through reshapes): what a conv stores to
    /// its scratch. (Only these: the reductions and elementwise values of a softmax have round trips of their own,
    /// some taken by KernelLowerer.StoreReduce.cs.)</summary>
    private bool IsDotResult(BlockValue v) => _plan.Def(v) switch
    {
        ReshapeOp r => IsDotResult(r.Source),
        DotOp or ForOp => true,
        _ => false,
    };

    private static bool Touches(ImmutableArray<BlockOp> ops, string param) => ops.Any(op => op switch
    {
        LoadOp l => l.Param == param,
        StoreOp s => s.Param == param,
        ForOp f => Touches(f.Body, param),
        _ => false,
    });

    /// <summary>Per dim of a store's indices: the 1-D arange it reshapes (null for a scalar index), where each arange
    /// varies along an axis of its own of the stored block and the block has exactly their product of elements.</summary>
    private ArangeOp?[]? Ranges(ImmutableArray<BlockValue> indices, int[] shape)
    {
        var ranges = new ArangeOp?[indices.Length];
        var axes = new HashSet<int>();
        long product = 1;
        for (int d = 0; d < indices.Length; d++)
        {
            var ix = indices[d];
            if (ix.Type.IsScalar) continue;
            if (RangeOf(ix) is not { } a) return null;
            var dims = ix.Type.Shape.ToArray();
            var wide = Enumerable.Range(0, dims.Length).Where(i => dims[i] != 1).ToArray();
            if (wide.Length != 1 || dims[wide[0]] != a.Length || dims.Length > shape.Length) return null;
            // Broadcast against the block, axes align at the end.
            if (!axes.Add(shape.Length - dims.Length + wide[0])) return null;
            ranges[d] = a;
            product *= a.Length;
        }
        return product == shape.Aggregate(1L, (x, y) => x * (long)y) ? ranges : null;
    }

    /// <summary>Whether every index of a load is the store's index in that dim, or a reshape of the same arange.</summary>
    private bool SameRanges(ImmutableArray<BlockValue> load, ImmutableArray<BlockValue> store) =>
        load.Length == store.Length && load.Zip(store).All(p => p.First.Name == p.Second.Name
            || !p.First.Type.IsScalar && !p.Second.Type.IsScalar && RangeOf(p.First) is { } a && RangeOf(p.Second) is { } b
               && a.Result.Name == b.Result.Name);

    /// <summary>The arange an index value reshapes (through reshapes only), or null.</summary>
    private ArangeOp? RangeOf(BlockValue v)
    {
        for (var op = _plan.Def(v); ; op = _plan.Def(((ReshapeOp)op).Source))
            switch (op)
            {
                case ArangeOp a: return a;
                case ReshapeOp: continue;
                default: return null;
            }
    }

    /// <summary>The element offset in the local buffer of an access at <paramref name="idx"/> of a block of
    /// <paramref name="shape"/>: per ranged dim, the position within its arange (the arange's own index, without its
    /// start) times the buffer stride.</summary>
    private LaneValue LocalScratchAddress(LocalScratch ls, ImmutableArray<BlockValue> indices, ImmutableArray<int> shape, LaneValue[] idx)
    {
        LaneValue address = LaneValue.Uniform(_e.I64(0));
        for (int d = 0; d < indices.Length; d++)
        {
            if (ls.Strides[d] == 0) continue;
            address = AddAffine(address, MulAffine(RangePosition(indices[d], BroadcastIndex(indices[d].Type.Shape, shape, idx)), ls.Strides[d]));
        }
        return address;
    }

    /// <summary>The position within its arange of the element of index value <paramref name="v"/> at <paramref name="idx"/>.</summary>
    private LaneValue RangePosition(BlockValue v, LaneValue[] idx) => _plan.Def(v) switch
    {
        ReshapeOp r => RangePosition(r.Source, ReshapeIndex(r.Source.Type.Shape, v.Type.Shape, idx)),
        ArangeOp => idx[0],
        var op => throw new InvalidOperationException($"not a range: {op}"),
    };
}
