using System.Collections.Immutable;

namespace Strata.Block.Passes;

/// <summary>Where a program stores a block to a scratch parameter and reads it back at the very same indices (the same
/// index values and mask) — softmax's exps, stored to %exp for the row sum and read again for the scaling — the loads
/// become the stored value, and the store goes when nothing else reads the parameter. Under a mask, only where the
/// lanes it turns off are never observed (<see cref="MaskedOffLanes"/>): they held the load's other value and now hold
/// the stored block's (softmax over 197 rows in blocks of 16 kept a whole-tensor %exp until this). The value then lives where the
/// Machine level keeps values (a buffer of the program's block, in L1), not in a whole-tensor scratch buffer that each
/// program writes through the cache and reads back. Applies to a scratch parameter stored exactly once, at the top level
/// of the kernel, and loaded only at the top level after that store: within one program the loads read exactly what
/// the store wrote (scratch is private to the kernel, and no program writes another's elements).</summary>
public sealed class ForwardScratchStores : IBlockPass
{
    public string Name => "ForwardScratchStores";

    public BlockKernel Run(BlockKernel kernel)
    {
        var map = new Dictionary<string, BlockValue>(StringComparer.Ordinal);
        var dropped = new HashSet<StoreOp>(ReferenceEqualityComparer.Instance);
        var defs = MaskedOffLanes.Definitions(kernel.Body);
        foreach (var p in kernel.Params.Where(p => p.Role == ParamRole.Scratch))
        {
            if (Count(kernel.Body, p.Name, nested: false, stores: true) is not (1, 0)) continue;
            int at = kernel.Body.IndexOf(kernel.Body.First(o => o is StoreOp s && s.Param == p.Name));
            var store = (StoreOp)kernel.Body[at];
            var (topLoads, nestedLoads) = Count(kernel.Body, p.Name, nested: false, stores: false);
            if (nestedLoads > 0 || topLoads == 0) continue;
            bool all = true;
            for (int i = 0; i < kernel.Body.Length; i++)
            {
                if (kernel.Body[i] is not LoadOp l || l.Param != p.Name) continue;
                if (i > at && l.Mask?.Name == store.Mask?.Name && l.Result.Type.Equals(store.Value.Type) && SameIndices(l.Indices, store.Indices)
                    && (store.Mask is null || MaskedOffLanes.Unobserved(kernel.Body, i, store.Mask, defs)))
                    map[l.Result.Name] = store.Value;
                else all = false;
            }
            if (all) dropped.Add(store);
        }
        if (map.Count == 0) return kernel;
        return kernel with { Body = Rewrite(kernel.Body, map, dropped) };
    }

    private static bool SameIndices(ImmutableArray<BlockValue> a, ImmutableArray<BlockValue> b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First.Name == p.Second.Name);

    /// <summary>(top-level, nested) counts of the stores or loads of <paramref name="param"/>.</summary>
    private static (int Top, int Nested) Count(ImmutableArray<BlockOp> ops, string param, bool nested, bool stores)
    {
        int top = 0, inner = 0;
        foreach (var op in ops)
        {
            bool hit = stores ? op is StoreOp s && s.Param == param : op is LoadOp l && l.Param == param;
            if (hit) { if (nested) inner++; else top++; }
            if (op is ForOp f)
            {
                var (t, n) = Count(f.Body, param, nested: true, stores);
                inner += t + n;
            }
        }
        return (top, inner);
    }

    private static ImmutableArray<BlockOp> Rewrite(ImmutableArray<BlockOp> ops, Dictionary<string, BlockValue> map, HashSet<StoreOp> dropped)
    {
        var result = ImmutableArray.CreateBuilder<BlockOp>(ops.Length);
        foreach (var op in ops)
        {
            if (op is StoreOp s && dropped.Contains(s)) continue;
            if (op is LoadOp l && map.ContainsKey(l.Result.Name)) continue;
            var mapped = OperandMap.Apply(op, map);
            if (mapped is ForOp f) mapped = f with { Body = Rewrite(f.Body, map, dropped) };
            result.Add(mapped);
        }
        return result.ToImmutable();
    }
}
