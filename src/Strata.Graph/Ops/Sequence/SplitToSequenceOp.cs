using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>SplitToSequence: cuts a tensor along <c>axis</c> into a sequence. <c>split</c> absent: pieces of size 1,
/// with the axis removed when keepdims=0 (kept by default); a scalar: pieces of that size, the last
/// one possibly shorter; a 1-D tensor: the piece sizes, which must add up to the axis length.</summary>
internal static class SplitToSequenceOp
{
    public static OpSchema Schema { get; } = new("", "SplitToSequence", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c) =>
        c.InputElementType(0) is { } et ? [new SequenceType(new TensorType(et, null))] : [null];

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        long axisAttr = c.Int("axis", 0);
        long a = axisAttr < 0 ? axisAttr + x.Rank : axisAttr;
        if (a < 0 || a >= x.Rank) throw c.Error(ErrorCode.InvalidAttribute, $"axis {axisAttr} is out of range for rank {x.Rank}");
        int axis = (int)a, length = x.Shape[axis];
        var sizes = new List<int>();
        bool squeeze = false;
        if (!c.HasInput(1))
        {
            for (int i = 0; i < length; i++) sizes.Add(1);
            squeeze = c.Int("keepdims", 1) == 0;
        }
        else
        {
            var split = c.Input(1);
            var values = TensorConvert.ToInt64s(split);
            if (split.Rank == 0)
            {
                long chunk = values[0];
                if (chunk <= 0) throw c.Error(ErrorCode.InvalidArgument, $"split must be positive, got {chunk}");
                for (long start = 0; start < length; start += chunk) sizes.Add((int)Math.Min(chunk, length - start));
            }
            else
            {
                long total = 0;
                foreach (var v in values)
                {
                    if (v < 0) throw c.Error(ErrorCode.InvalidArgument, $"split sizes must be >= 0, got {v}");
                    sizes.Add((int)v);
                    total += v;
                }
                if (total != length)
                    throw c.Error(ErrorCode.InvalidArgument, $"split sizes add up to {total}, but axis {axis} has length {length}",
                        "make the split sizes sum to the length of the split axis");
            }
        }
        var parts = TensorPieces.Split(x, axis, sizes);
        var items = new RuntimeValue[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            items[i] = squeeze ? parts[i].Reshape(TensorPieces.RemoveAxis(parts[i].Shape, axis)) : parts[i];
        return [new TensorSequence(new TensorType(x.DataType, null), items)];
    }
}
