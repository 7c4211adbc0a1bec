using System.Collections.Immutable;

namespace Strata.Block.Passes;

/// <summary>Two adjacent top-level loops over the same range, where the second reads back, at the very indices and under
/// the same mask, a block of a scratch parameter that the first stored (a LRN after its conv: the window sums %sumsq of
/// each channel block, stored by one loop and read by the normalising loop), become one loop in which the read is the
/// stored value. The scratch is then neither written nor read — a block of the program instead of a whole tensor through
/// the cache — and Machine compilation drops the parameter, so the runtime plans no memory for it (zfnet512's
/// Conv+ReLU+LRN kernel held three 96×109×109 tensors at once).
/// <para>Legal when: neither loop carries values; the second stores nothing the first accesses; each such scratch is
/// accessed by these two loops only, stored once at the first body's top level and loaded at the second's top level only;
/// the stores of different iterations are disjoint (an index is <c>arange(%i, n)</c> of the loop variable, n ≤ step,
/// through reshapes and broadcasts); and, for a masked store, the loaded block's lanes outside the mask reach only stores
/// that leave them out (they read the load's other value, and now read the stored block's lanes: <see cref="MaskedOffLanes"/>). Then iteration i of the
/// second loop reads exactly what iteration i of the first wrote, as it did after the whole first loop. Programs are
/// independent, so only the loop order matters.</para></summary>
public sealed class FuseScratchLoops : IBlockPass
{
    public string Name => "FuseScratchLoops";

    public BlockKernel Run(BlockKernel kernel)
    {
        var scratch = kernel.Params.Where(p => p.Role == ParamRole.Scratch).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        if (scratch.Count == 0) return kernel;
        for (int i = 0; i + 1 < kernel.Body.Length; i++)
            if (kernel.Body[i] is ForOp a && kernel.Body[i + 1] is ForOp b && TryFuse(kernel, i, a, b, scratch) is { } fused)
                return Run(fused); // the fused loop may fuse with the next one
        return kernel;
    }

    private static BlockKernel? TryFuse(BlockKernel kernel, int at, ForOp a, ForOp b, HashSet<string> scratch)
    {
        if (a.Lower.Name != b.Lower.Name || a.Upper.Name != b.Upper.Name || a.Step != b.Step || a.Step <= 0
            || !a.IterArgs.IsEmpty || !b.IterArgs.IsEmpty || !a.LoopResults.IsEmpty || !b.LoopResults.IsEmpty) return null;
        var (aLoads, aStores) = Accesses(a.Body);
        var (bLoads, bStores) = Accesses(b.Body);
        if (bStores.Overlaps(aLoads) || bStores.Overlaps(aStores)) return null;
        var forwarded = aStores.Where(bLoads.Contains).ToList();
        if (forwarded.Count == 0 || !forwarded.All(scratch.Contains)) return null;
        for (int j = 0; j < kernel.Body.Length; j++)
        {
            if (j == at || j == at + 1) continue;
            var (l, s) = Accesses([kernel.Body[j]]);
            if (forwarded.Any(x => l.Contains(x) || s.Contains(x))) return null;
        }
        foreach (var x in forwarded)
        {
            // One store of x at a's top level, loads of x only at b's top level (nested ones run in a different order).
            if (a.Body.Count(o => o is StoreOp s && s.Param == x) != 1 || a.Body.Any(o => o is ForOp f && Touches(f.Body, x))) return null;
            if (b.Body.Any(o => o is ForOp f && Touches(f.Body, x)) || aLoads.Contains(x)) return null;
        }

        // Fuse (b's induction variable renamed to a's), then let CSE give equal index blocks equal names.
        var rename = new Dictionary<string, BlockValue>(StringComparer.Ordinal) { [b.InductionVar.Name] = a.InductionVar };
        var joined = a with { Body = a.Body.AddRange(Rename(b.Body, rename)) };
        var candidate = new EliminateCommonSubexpressions().Run(kernel with { Body = kernel.Body.RemoveAt(at + 1).SetItem(at, joined) });
        int f = candidate.Body.IndexOf(candidate.Body.FirstOrDefault(o => o is ForOp l && l.InductionVar == a.InductionVar)!);
        if (f < 0) return null;
        var loop = (ForOp)candidate.Body[f];
        var body = loop.Body.ToBuilder();
        var defs = MaskedOffLanes.Definitions(candidate.Body);
        var forward = new Dictionary<string, BlockValue>(StringComparer.Ordinal);
        foreach (var x in forwarded)
        {
            int s = body.IndexOf(body.First(o => o is StoreOp st && st.Param == x));
            var store = (StoreOp)body[s];
            if (!Disjoint(loop, store)) return null;
            for (int k = body.Count - 1; k > s; k--)
            {
                if (body[k] is not LoadOp l || l.Param != x) continue;
                if (!l.Indices.Select(v => v.Name).SequenceEqual(store.Indices.Select(v => v.Name)) || l.Mask?.Name != store.Mask?.Name
                    || !l.Result.Type.Equals(store.Value.Type)) return null;
                // Masked-off lanes read the load's other value; they may read the stored block's lanes instead only
                // where nothing but stores under the same mask sees them (an elementwise chain into such a store).
                if (store.Mask is not null && !MaskedOffLanes.Unobserved(body, k, store.Mask, defs)) return null;
                forward[l.Result.Name] = store.Value;
                body.RemoveAt(k);
            }
            body.RemoveAt(s);
        }
        return candidate with { Body = candidate.Body.SetItem(f, loop with { Body = Rename(body.ToImmutable(), forward) }) };
    }

    /// <summary>Some index of <paramref name="store"/> is <c>arange(%i, n)</c> of the loop variable with n ≤ step (through
    /// reshapes and broadcasts, defined in the loop's body): different iterations store different elements.</summary>
    private static bool Disjoint(ForOp loop, StoreOp store)
    {
        var defs = MaskedOffLanes.Definitions(loop.Body);
        foreach (var index in store.Indices)
        {
            var v = index;
            while (defs.TryGetValue(v.Name, out var def))
            {
                if (def is ArangeOp r) { if (r.Start == loop.InductionVar && r.Length <= loop.Step) return true; break; }
                if (def is ReshapeOp rs) v = rs.Source;
                else if (def is BroadcastOp bc) v = bc.Source;
                else break;
            }
            if (v == loop.InductionVar) return true;
        }
        return false;
    }

    private static ImmutableArray<BlockOp> Rename(ImmutableArray<BlockOp> ops, Dictionary<string, BlockValue> map) =>
        [.. ops.Select(o => OperandMap.Apply(o, map) is ForOp f ? f with { Body = Rename(f.Body, map) } : OperandMap.Apply(o, map))];

    private static (HashSet<string> Loads, HashSet<string> Stores) Accesses(ImmutableArray<BlockOp> ops)
    {
        var loads = new HashSet<string>(StringComparer.Ordinal);
        var stores = new HashSet<string>(StringComparer.Ordinal);
        void Walk(ImmutableArray<BlockOp> body)
        {
            foreach (var op in body)
            {
                if (op is LoadOp l) loads.Add(l.Param);
                else if (op is StoreOp s) stores.Add(s.Param);
                else if (op is ForOp f) Walk(f.Body);
            }
        }
        Walk(ops);
        return (loads, stores);
    }

    private static bool Touches(ImmutableArray<BlockOp> ops, string param)
    {
        var (l, s) = Accesses(ops);
        return l.Contains(param) || s.Contains(param);
    }

}
