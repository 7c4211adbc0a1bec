using System.Collections.Immutable;
using Strata.Block;

namespace Strata.Machine.Compilation;

/// <summary>The kernel's signature without the scratch parameters its body never loads, stores or prefetches: a dot
/// whose epilogue runs in registers leaves its Block-level accumulator (<c>%acc</c>) unused, and so does
/// <c>ForwardScratchStores</c> for a scratch tensor whose every load it forwarded. The runtime plans one whole tensor
/// per scratch parameter, so each unused one costs arena memory (zfnet512's Conv+ReLU+LRN kernels). This is the last
/// step of Machine compilation, not a pass: passes keep the parameters, so the same arguments run every stage.</summary>
public static class UnusedScratch
{
    public static MachineKernel Drop(MachineKernel kernel)
    {
        if (!kernel.Params.Any(p => p.Role == ParamRole.Scratch)) return kernel;
        var used = new HashSet<string>(StringComparer.Ordinal);
        Collect(kernel.Body, used);
        var kept = kernel.Params.Where(p => p.Role != ParamRole.Scratch || used.Contains(p.Name)).ToImmutableArray();
        return kept.Length == kernel.Params.Length ? kernel : kernel with { Params = kept };
    }

    /// <summary>The names of the memory every statement of <paramref name="stmts"/> accesses, nested ones included.</summary>
    private static void Collect(ImmutableArray<MStmt> stmts, HashSet<string> used)
    {
        foreach (var s in stmts)
        {
            switch (s)
            {
                case LoadStmt l: used.Add(l.Memory); break;
                case StoreStmt st: used.Add(st.Memory); break;
                case PrefetchStmt p: used.Add(p.Memory); break;
                case LoopStmt loop: Collect(loop.Body, used); break;
                case IfStmt i: Collect(i.Then, used); Collect(i.Else, used); break;
            }
        }
    }
}
