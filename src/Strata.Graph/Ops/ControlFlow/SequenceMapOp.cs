using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>SequenceMap: runs <c>body</c> once per position i of the input sequence. The body gets item i of the
/// input sequence and of every additional sequence input, and additional tensor inputs whole; output k is the
/// sequence of the body's output k over all positions.</summary>
internal static class SequenceMapOp
{
    public static OpSchema Schema { get; } = new("", "SequenceMap", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var types = new Core.ValueType?[c.Node.Outputs.Length];
        var body = c.Node.Attr("body")?.AsGraph();
        if (body is null) return types;
        for (int k = 0; k < types.Length && k < body.Outputs.Count; k++)
            if (body.Outputs[k].Type is { } t) types[k] = new SequenceType(t);
        return types;
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var body = c.GraphAttr("body") ?? throw c.Error(ErrorCode.InvalidAttribute, "SequenceMap has no 'body' attribute");
        if (body.Inputs.Count != c.InputCount || body.Outputs.Count != c.OutputCount)
            throw c.Error(ErrorCode.InvalidIr,
                $"SequenceMap has {c.InputCount} inputs and {c.OutputCount} outputs, its body {body.Inputs.Count} and {body.Outputs.Count}",
                "the body takes one value per SequenceMap input and returns one value per output");
        var input = Sequences.Get(c, 0);
        int count = input.Count;
        for (int j = 1; j < c.InputCount; j++)
            if (c.Inputs[j] is TensorSequence s && s.Count != count)
                throw c.Error(ErrorCode.ShapeMismatch, $"sequence input {j} has {s.Count} items, the input sequence {count}",
                    "all sequence inputs of SequenceMap must have the same length");

        var results = new List<RuntimeValue>[c.OutputCount];
        for (int k = 0; k < results.Length; k++) results[k] = new List<RuntimeValue>(count);
        var args = new RuntimeValue?[c.InputCount];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < args.Length; j++)
                args[j] = c.Inputs[j] is TensorSequence s ? s.Items[i] : c.Inputs[j];
            var outs = c.RunSubgraph(body, args);
            for (int k = 0; k < results.Length; k++)
                results[k].Add(outs[k] ?? throw c.Error(ErrorCode.EvaluationFailed, $"the body gave no value for output {k}"));
        }

        var result = new RuntimeValue?[c.OutputCount];
        for (int k = 0; k < result.Length; k++)
        {
            var itemType = results[k].Count > 0 ? TypeUnion.ItemType(results[k][0])
                : body.Outputs[k].Type ?? throw c.Error(ErrorCode.TypeMismatch, $"the element type of output {k} is unknown for an empty sequence");
            result[k] = new TensorSequence(itemType, results[k]);
        }
        return result;
    }
}
