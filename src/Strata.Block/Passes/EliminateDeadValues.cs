using System.Collections.Immutable;

namespace Strata.Block.Passes;

/// <summary>Dead-code elimination: drops every op whose results no store needs (directly or through other ops, loop
/// yields and loop bounds), and every <c>for</c> loop that stores nothing and whose results are unused. Stores are the
/// only side effects of a Block kernel, so the kernel writes exactly the same elements afterwards.</summary>
public sealed class EliminateDeadValues : IBlockPass
{
    public string Name => "EliminateDeadValues";

    public BlockKernel Run(BlockKernel kernel)
    {
        var (body, _) = Clean(kernel.Body, []);
        return Changed(kernel.Body, body) ? kernel with { Body = body } : kernel;
    }

    /// <summary>The ops of <paramref name="ops"/> that a store or a name in <paramref name="liveAfter"/> needs, and every
    /// name they read (including names read inside loop bodies, which may be defined outside).</summary>
    private static (ImmutableArray<BlockOp> Ops, HashSet<string> Used) Clean(ImmutableArray<BlockOp> ops, IEnumerable<string> liveAfter)
    {
        var used = new HashSet<string>(liveAfter, StringComparer.Ordinal);
        var kept = new List<BlockOp>();
        for (int i = ops.Length - 1; i >= 0; i--)
        {
            var op = ops[i];
            switch (op)
            {
                case StoreOp:
                    kept.Add(op);
                    Use(used, op.Operands);
                    break;
                case ForOp f:
                {
                    if (!HasStore(f.Body) && !f.LoopResults.Any(r => used.Contains(r.Name))) break;
                    var (body, inner) = Clean(f.Body, f.Yields.Select(y => y.Name));
                    kept.Add(Changed(f.Body, body) ? f with { Body = body } : f);
                    used.UnionWith(inner);
                    Use(used, op.Operands);
                    break;
                }
                default:
                    if (!op.Results.Any(r => used.Contains(r.Name))) break;
                    kept.Add(op);
                    Use(used, op.Operands);
                    break;
            }
        }
        kept.Reverse();
        return ([.. kept], used);
    }

    private static void Use(HashSet<string> used, IEnumerable<BlockValue> values)
    {
        foreach (var v in values) used.Add(v.Name);
    }

    private static bool HasStore(ImmutableArray<BlockOp> ops) =>
        ops.Any(op => op is StoreOp || op is ForOp f && HasStore(f.Body));

    /// <summary>Whether cleaning dropped or rebuilt any op (unchanged lists keep the very same op objects).</summary>
    private static bool Changed(ImmutableArray<BlockOp> before, ImmutableArray<BlockOp> after)
    {
        if (before.Length != after.Length) return true;
        for (int i = 0; i < before.Length; i++)
            if (!ReferenceEquals(before[i], after[i])) return true;
        return false;
    }
}
