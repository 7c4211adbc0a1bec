using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Loop: runs <c>body</c> while the trip count M (optional) is not reached and the condition (optional) holds.
/// Body inputs are (iteration number, condition, N loop-carried values); body outputs are (condition, N loop-carried
/// values, K scan outputs). The op's outputs are the final loop-carried values followed by each scan output's
/// per-iteration values stacked on a new first axis. Loop-carried values may be tensors, sequences (opset 13+)
/// or optionals (opset 16+); their runtime type may change after the first iteration (e.g. optional → sequence).</summary>
internal static class LoopOp
{
    public static OpSchema Schema { get; } = new("", "Loop", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var types = new Core.ValueType?[c.Node.Outputs.Length];
        var body = c.Node.Attr("body")?.AsGraph();
        if (body is null) return types;
        int n = c.InputCount - 2;
        for (int i = 0; i < types.Length; i++)
        {
            if (1 + i >= body.Outputs.Count) break;
            var bodyType = body.Outputs[1 + i].Type;
            if (i < n)
            {
                types[i] = bodyType ?? c.InputTypes[2 + i];
            }
            else if (bodyType is TensorType t)
            {
                long? trips = !c.HasInput(1) && c.ConstantInput(0) is { Length: 1 } m ? TensorConvert.ToInt64s(m)[0] : null;
                var lead = trips is { } k && k >= 0 ? Dim.Of(k) : Dim.Unknown;
                types[i] = new TensorType(t.ElementType, t.Shape is null ? null : Shape.Of(t.Shape.Dims.Insert(0, lead)));
            }
        }
        return types;
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var body = c.GraphAttr("body") ?? throw c.Error(ErrorCode.InvalidAttribute, "Loop has no 'body' attribute");
        int n = c.InputCount - 2;
        if (n < 0) n = 0;
        int k = body.Outputs.Count - 1 - n;
        if (body.Inputs.Count != 2 + n || k < 0)
            throw c.Error(ErrorCode.InvalidIr,
                $"Loop has {n} loop-carried values, but its body takes {body.Inputs.Count} inputs and gives {body.Outputs.Count} outputs",
                "the body takes (iteration, cond, N values) and returns (cond, N values, K scan outputs)");

        long maxTrips = c.HasInput(0) ? Scalars.Int(c, c.Input(0), "M (trip count)") : long.MaxValue;
        bool useCond = c.HasInput(1);
        bool cond = !useCond || Scalars.Bool(c, c.Input(1), "cond");

        var carried = new RuntimeValue?[n];
        for (int i = 0; i < n; i++) carried[i] = c.Inputs[2 + i];
        var scans = new List<Tensor>[k];
        for (int j = 0; j < k; j++) scans[j] = [];

        var args = new RuntimeValue?[2 + n];
        for (long it = 0; it < maxTrips && cond; it++)
        {
            args[0] = Tensor<long>.Scalar(it);
            args[1] = Tensor<bool>.Scalar(cond);
            Array.Copy(carried, 0, args, 2, n);
            var outs = c.RunSubgraph(body, args);
            if (useCond)
                cond = Scalars.Bool(c, outs[0] as Tensor
                    ?? throw c.Error(ErrorCode.TypeMismatch, "the body's condition output is not a tensor"), "the body's condition output");
            for (int i = 0; i < n; i++) carried[i] = outs[1 + i];
            for (int j = 0; j < k; j++)
                scans[j].Add(outs[1 + n + j] as Tensor
                    ?? throw c.Error(ErrorCode.TypeMismatch, $"scan output {j} of the body is not a tensor", "scan outputs must be tensors"));
        }

        var result = new RuntimeValue?[c.OutputCount];
        for (int i = 0; i < n && i < result.Length; i++) result[i] = carried[i];
        for (int j = 0; j < k && n + j < result.Length; j++)
            result[n + j] = scans[j].Count > 0 ? TensorPieces.Stack(scans[j], 0) : EmptyScan(body.Outputs[1 + n + j].Type);
        return result;
    }

    /// <summary>A scan output after zero iterations: shape [0, ...] with the body's declared per-iteration shape if known.</summary>
    internal static Tensor EmptyScan(Core.ValueType? declared)
    {
        var t = declared as TensorType;
        var et = t is null || t.ElementType == DataType.Undefined ? DataType.Float32 : t.ElementType;
        var dims = t?.Shape?.ToConcrete() ?? [];
        return TensorFactory.Create(et, TensorPieces.InsertAxis(dims, 0, 0));
    }
}
