using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>If: runs <c>then_branch</c> or <c>else_branch</c> (subgraphs with no inputs) on a single-element
/// condition; the outputs are the branch's outputs (tensors, sequences or optionals).</summary>
internal static class IfOp
{
    public static OpSchema Schema { get; } = new("", "If", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var then = c.Node.Attr("then_branch")?.AsGraph();
        var otherwise = c.Node.Attr("else_branch")?.AsGraph();
        var types = new Core.ValueType?[c.Node.Outputs.Length];
        if (then is null || otherwise is null) return types;
        for (int i = 0; i < types.Length && i < then.Outputs.Count && i < otherwise.Outputs.Count; i++)
            types[i] = TypeUnion.Of(then.Outputs[i].Type, otherwise.Outputs[i].Type) ?? then.Outputs[i].Type;
        return types;
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        bool cond = Scalars.Bool(c, c.Input(0), "cond");
        var branchName = cond ? "then_branch" : "else_branch";
        var branch = c.GraphAttr(branchName)
            ?? throw c.Error(ErrorCode.InvalidAttribute, $"If has no '{branchName}' attribute", "give If both branches");
        if (branch.Outputs.Count != c.OutputCount)
            throw c.Error(ErrorCode.InvalidIr, $"{branchName} has {branch.Outputs.Count} outputs but If has {c.OutputCount}",
                "both branches must produce one value per If output");
        var outs = c.RunSubgraph(branch, []);
        return [.. outs];
    }
}
