using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>Replaces an <c>If</c> whose condition is a constant by the nodes of the branch it takes, with an
/// <c>Identity</c> per output so the If's output values (and their names) stay. Exported models test static facts
/// this way (<c>if rank == 2</c>); after folding, the taken branch's ops can lower like any others. Run type
/// inference afterwards: the If's outputs were typed as the union of both branches.</summary>
public sealed class InlineConstantIfs : IGraphPass
{
    public string Name => "InlineConstantIfs";

    public Graph.Graph Run(Graph.Graph graph)
    {
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.OpType != "If" || node.Domain.Length != 0 || node.Inputs.Length != 1 || node.Inputs[0]?.Constant is not { Length: 1 } cond)
                continue;
            if (cond.DataType == DataType.String) continue;
            bool taken = TensorConvert.ToDoubles(cond)[0] != 0;
            if (node.Attr(taken ? "then_branch" : "else_branch")?.AsGraph() is not { } branch || branch.Outputs.Count != node.Outputs.Length || branch.Inputs.Count != 0)
                continue;
            var replacement = new List<Node>(branch.Nodes);
            for (int o = 0; o < node.Outputs.Length; o++)
                if (node.Outputs[o] is { } output)
                    replacement.Add(new Node("Identity", [branch.Outputs[o]], [output], name: $"{output.Name}_from_{(taken ? "then" : "else")}"));
            graph.Constants.AddRange(branch.Constants);
            graph.Nodes.RemoveAt(i);
            graph.Nodes.InsertRange(i, replacement);
            i--; // the inlined nodes may hold further Ifs
        }
        return graph;
    }
}

/// <summary>Runs type and shape inference again (after passes that add nodes or make more values constant).</summary>
public sealed class InferTypes(OpRegistry? registry = null) : IGraphPass
{
    public string Name => "InferTypes";

    public Graph.Graph Run(Graph.Graph graph)
    {
        new TypeInference(registry).Run(graph);
        return graph;
    }
}
