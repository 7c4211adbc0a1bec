using Strata.Graph;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>The order a program's steps run in, chosen to shorten the lifetimes the memory plan sees: a kernel that
/// reads nothing another step computes (it fills a tensor from constants and inputs only, as the weight generators of
/// a model whose initializers became <c>ConstantOfShape</c> do) runs just before the first step that reads its
/// outputs, instead of at the front of the program where its result would stay live across every step in between.
/// Moving such a step is always legal (its inputs exist from the start; no step before its first reader needs it).
/// Fallback steps never move: a random op's draws follow the order of the fallbacks.</summary>
internal static class StepSchedule
{
    /// <summary>A permutation of step indices: <c>order[k]</c> is the original index of the k-th step to run.</summary>
    public static int[] SinkSources(IReadOnlyList<ProgramStep> steps)
    {
        var producer = new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < steps.Count; i++)
            foreach (var v in Outputs(steps[i])) producer[v] = i;

        // For every movable step, the first step that reads one of its outputs.
        var firstReader = new int?[steps.Count];
        bool[] movable = new bool[steps.Count];
        for (int i = 0; i < steps.Count; i++)
        {
            movable[i] = steps[i] is KernelStep k && !k.Inputs.Any(producer.ContainsKey);
            foreach (var v in Inputs(steps[i]))
                if (producer.TryGetValue(v, out int p) && p != i && firstReader[p] is null) firstReader[p] = i;
        }

        var order = new List<int>(steps.Count);
        var before = new List<int>[steps.Count];
        for (int i = 0; i < steps.Count; i++)
            if (movable[i] && firstReader[i] is int r) (before[r] ??= []).Add(i);
        for (int i = 0; i < steps.Count; i++)
        {
            if (before[i] is { } sunk) order.AddRange(sunk);
            if (!(movable[i] && firstReader[i] is not null)) order.Add(i);
        }
        return [.. order];
    }

    private static IEnumerable<Value> Outputs(ProgramStep step) => step switch
    {
        KernelStep k => k.Outputs,
        FallbackStep f => f.Node.Outputs.OfType<Value>(),
        _ => [],
    };

    /// <summary>What a step reads (a fallback's subgraphs may read more: those steps do not move, and a reader found
    /// through them only moves a producer later, which the subgraph's node still follows).</summary>
    private static IEnumerable<Value> Inputs(ProgramStep step) => step switch
    {
        KernelStep k => k.Inputs,
        FallbackStep f => f.Node.Inputs.OfType<Value>().Concat(Captured(f.Node)),
        _ => [],
    };

    /// <summary>Every value read anywhere in a node's subgraphs (values defined inside them are harmless here: no step
    /// produces them).</summary>
    public static IEnumerable<Value> Captured(Node node)
    {
        foreach (var a in node.Attributes.Values)
        {
            var graphs = a.Kind == AttributeKind.Graph ? [a.AsGraph()] : a.Kind == AttributeKind.Graphs ? a.AsGraphs() : [];
            foreach (var g in graphs)
            {
                foreach (var n in g.Nodes)
                {
                    foreach (var v in n.Inputs.OfType<Value>()) yield return v;
                    foreach (var v in Captured(n)) yield return v;
                }
                foreach (var v in g.Outputs) yield return v;
            }
        }
    }
}
