using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Scan: runs <c>body</c> once per slice of the scan inputs, threading N state values through the
/// iterations and stacking K per-iteration scan outputs.
/// Opset 9+: inputs are (N initial states, M scan inputs); <c>scan_input_axes</c>/<c>scan_input_directions</c>
/// say which axis each scan input is sliced along and in which order, <c>scan_output_axes</c>/<c>scan_output_directions</c>
/// where and in which order outputs are stacked.
/// Opset 8: inputs are (sequence_lens?, N states, M scan inputs), all with a leading batch axis; scan inputs are
/// sliced along axis 1 (direction per <c>directions</c>), each batch entry runs independently for its own length,
/// and scan outputs are padded with zeros to the longest sequence.</summary>
internal static class ScanOp
{
    public static OpSchema Schema { get; } = new("", "Scan", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var types = new Core.ValueType?[c.Node.Outputs.Length];
        var body = c.Node.Attr("body")?.AsGraph();
        int m = (int)c.Node.GetInt("num_scan_inputs", 0);
        if (body is null || c.Opset < 9) return types;
        int n = c.InputCount - m;
        for (int i = 0; i < n && i < types.Length && i < body.Outputs.Count; i++) types[i] = body.Outputs[i].Type ?? c.InputTypes[i];

        Dim length = Dim.Unknown;
        if (m > 0 && c.InputTensor(n)?.Shape is { } s0)
        {
            int axis = (int)(c.Node.GetInts("scan_input_axes") is { Length: > 0 } ia ? ia[0] : 0);
            if (axis < 0) axis += s0.Rank;
            if (axis >= 0 && axis < s0.Rank) length = s0[axis];
        }
        var outAxes = c.Node.GetInts("scan_output_axes");
        for (int j = 0; n + j < types.Length && n + j < body.Outputs.Count; j++)
        {
            if (body.Outputs[n + j].Type is not TensorType { Shape: { } shape } t) continue;
            int axis = (int)(outAxes is not null && j < outAxes.Length ? outAxes[j] : 0);
            if (axis < 0) axis += shape.Rank + 1;
            if (axis < 0 || axis > shape.Rank) continue;
            types[n + j] = new TensorType(t.ElementType, Shape.Of(shape.Dims.Insert(axis, length)));
        }
        return types;
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var body = c.GraphAttr("body") ?? throw c.Error(ErrorCode.InvalidAttribute, "Scan has no 'body' attribute");
        int m = (int)c.Int("num_scan_inputs", -1);
        if (m < 1) throw c.Error(ErrorCode.InvalidAttribute, "Scan needs num_scan_inputs >= 1");
        return c.Opset >= 9 ? EvaluateV9(c, body, m) : EvaluateV8(c, body, m);
    }

    private static RuntimeValue?[] EvaluateV9(OpContext c, Graph body, int m)
    {
        int n = c.InputCount - m;
        int k = body.Outputs.Count - n;
        CheckBody(c, body, n, m, k);
        var states = new RuntimeValue?[n];
        for (int i = 0; i < n; i++) states[i] = c.Inputs[i];
        var scanInputs = new Tensor[m];
        var inAxes = new int[m];
        var inReverse = new bool[m];
        var axesAttr = c.Ints("scan_input_axes");
        var dirAttr = c.Ints("scan_input_directions");
        for (int j = 0; j < m; j++)
        {
            scanInputs[j] = c.Input(n + j);
            inAxes[j] = Axis(c, axesAttr is not null && j < axesAttr.Length ? axesAttr[j] : 0, scanInputs[j].Rank, "scan_input_axes");
            inReverse[j] = dirAttr is not null && j < dirAttr.Length && dirAttr[j] != 0;
        }
        int length = scanInputs[0].Shape[inAxes[0]];
        for (int j = 1; j < m; j++)
            if (scanInputs[j].Shape[inAxes[j]] != length)
                throw c.Error(ErrorCode.ShapeMismatch,
                    $"scan input {j} has {scanInputs[j].Shape[inAxes[j]]} steps along its scan axis, scan input 0 has {length}",
                    "all scan inputs must have the same length along their scan axes");

        var (finalStates, scans) = Iterate(c, body, states, scanInputs, inAxes, inReverse, length, k);

        var outAxes = c.Ints("scan_output_axes");
        var outDirs = c.Ints("scan_output_directions");
        var result = new RuntimeValue?[c.OutputCount];
        for (int i = 0; i < n && i < result.Length; i++) result[i] = finalStates[i];
        for (int j = 0; j < k && n + j < result.Length; j++)
        {
            var list = scans[j];
            if (outDirs is not null && j < outDirs.Length && outDirs[j] != 0) list.Reverse();
            long axisAttr = outAxes is not null && j < outAxes.Length ? outAxes[j] : 0;
            if (list.Count == 0)
            {
                var empty = LoopOp.EmptyScan(body.Outputs[n + j].Type);
                int rank = empty.Rank;
                int a = Axis(c, axisAttr, rank, "scan_output_axes");
                result[n + j] = TensorFactory.Create(empty.DataType, TensorPieces.InsertAxis(TensorPieces.RemoveAxis(empty.Shape, 0), a, 0));
            }
            else
            {
                result[n + j] = TensorPieces.Stack(list, Axis(c, axisAttr, list[0].Rank + 1, "scan_output_axes"));
            }
        }
        return result;
    }

    private static RuntimeValue?[] EvaluateV8(OpContext c, Graph body, int m)
    {
        int n = c.InputCount - 1 - m;
        int k = body.Outputs.Count - n;
        CheckBody(c, body, n, m, k);
        var dirAttr = c.Ints("directions");
        var inReverse = new bool[m];
        var inAxes = new int[m];
        for (int j = 0; j < m; j++) inReverse[j] = dirAttr is not null && j < dirAttr.Length && dirAttr[j] != 0;

        var firstScan = c.Input(1 + n);
        if (firstScan.Rank < 2)
            throw c.Error(ErrorCode.InvalidShape, "Scan (opset 8) scan inputs need a batch axis and a sequence axis");
        int batch = firstScan.Shape[0], maxLength = firstScan.Shape[1];
        var lengths = new long[batch];
        if (c.HasInput(0))
        {
            var given = TensorConvert.ToInt64s(c.Input(0));
            if (given.Length != batch) throw c.Error(ErrorCode.ShapeMismatch, $"sequence_lens has {given.Length} entries for batch {batch}");
            for (int b = 0; b < batch; b++)
            {
                if (given[b] < 0 || given[b] > maxLength)
                    throw c.Error(ErrorCode.IndexOutOfRange, $"sequence_lens[{b}] = {given[b]} is outside [0, {maxLength}]");
                lengths[b] = given[b];
            }
        }
        else Array.Fill(lengths, maxLength);

        var stateParts = new List<Tensor>[n];
        var scanParts = new List<Tensor>[k];
        for (int i = 0; i < n; i++) stateParts[i] = [];
        for (int j = 0; j < k; j++) scanParts[j] = [];
        for (int b = 0; b < batch; b++)
        {
            var states = new RuntimeValue?[n];
            for (int i = 0; i < n; i++) states[i] = TensorPieces.Take(c.Input(1 + i), 0, b);
            var scanInputs = new Tensor[m];
            for (int j = 0; j < m; j++)
            {
                var x = TensorPieces.Take(c.Input(1 + n + j), 0, b);
                // Only the first sequence_lens[b] steps are scanned (reverse scans start from the last valid step).
                scanInputs[j] = TensorPieces.Slice(x, 0, 0, (int)lengths[b]);
            }
            var (finalStates, scans) = Iterate(c, body, states, scanInputs, inAxes, inReverse, (int)lengths[b], k);
            for (int i = 0; i < n; i++)
                stateParts[i].Add(finalStates[i] as Tensor ?? throw c.Error(ErrorCode.TypeMismatch, "Scan (opset 8) states must be tensors"));
            for (int j = 0; j < k; j++)
            {
                var perStep = body.Outputs[n + j].Type;
                var empty = LoopOp.EmptyScan(perStep);
                var template = scans[j].Count > 0 ? scans[j][0] : TensorFactory.Create(empty.DataType, TensorPieces.RemoveAxis(empty.Shape, 0));
                var steps = new List<Tensor>(scans[j]);
                while (steps.Count < maxLength) steps.Add(TensorFactory.Create(template.DataType, template.Shape));
                scanParts[j].Add(steps.Count > 0 ? TensorPieces.Stack(steps, 0) : empty);
            }
        }
        var result = new RuntimeValue?[c.OutputCount];
        for (int i = 0; i < n && i < result.Length; i++) result[i] = TensorPieces.Stack(stateParts[i], 0);
        for (int j = 0; j < k && n + j < result.Length; j++) result[n + j] = TensorPieces.Stack(scanParts[j], 0);
        return result;
    }

    /// <summary>The iterations themselves: slice every scan input at step t (from the end when reversed), run the
    /// body, carry the states, collect the scan outputs in iteration order.</summary>
    private static (RuntimeValue?[] States, List<Tensor>[] Scans) Iterate(OpContext c, Graph body, RuntimeValue?[] states,
        Tensor[] scanInputs, int[] inAxes, bool[] inReverse, int length, int k)
    {
        int n = states.Length, m = scanInputs.Length;
        var scans = new List<Tensor>[k];
        for (int j = 0; j < k; j++) scans[j] = new List<Tensor>(length);
        var args = new RuntimeValue?[n + m];
        for (int t = 0; t < length; t++)
        {
            Array.Copy(states, args, n);
            for (int j = 0; j < m; j++)
                args[n + j] = TensorPieces.Take(scanInputs[j], inAxes[j], inReverse[j] ? length - 1 - t : t);
            var outs = c.RunSubgraph(body, args);
            states = new RuntimeValue?[n];
            for (int i = 0; i < n; i++) states[i] = outs[i];
            for (int j = 0; j < k; j++)
                scans[j].Add(outs[n + j] as Tensor ?? throw c.Error(ErrorCode.TypeMismatch, $"scan output {j} of the body is not a tensor"));
        }
        return (states, scans);
    }

    private static void CheckBody(OpContext c, Graph body, int n, int m, int k)
    {
        if (n < 0 || k < 0 || body.Inputs.Count != n + m)
            throw c.Error(ErrorCode.InvalidIr,
                $"Scan has {n} state inputs and {m} scan inputs, but its body takes {body.Inputs.Count} inputs and gives {body.Outputs.Count} outputs",
                "the body takes (N states, M scan slices) and returns (N states, K scan outputs)");
    }

    private static int Axis(OpContext c, long axis, int rank, string attr)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw c.Error(ErrorCode.InvalidAttribute, $"{attr} entry {axis} is out of range for rank {rank}");
        return (int)a;
    }
}
