using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ConcatFromSequence: joins a sequence of tensors along <c>axis</c>; with <c>new_axis=1</c> the tensors
/// are stacked on a new axis instead (then axis may be -rank-1 .. rank).</summary>
internal static class ConcatFromSequenceOp
{
    public static OpSchema Schema { get; } = new("", "ConcatFromSequence", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        if (Sequences.ElementType(c, 0) is not TensorType t) return [null];
        bool newAxis = c.Node.GetInt("new_axis", 0) != 0;
        if (t.Shape is null) return [new TensorType(t.ElementType, null)];
        int rank = t.Shape.Rank + (newAxis ? 1 : 0);
        return [new TensorType(t.ElementType, Shape.Of(Enumerable.Repeat(Dim.Unknown, rank)))];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var s = Sequences.Get(c, 0);
        if (s.Count == 0) throw c.Error(ErrorCode.InvalidShape, "ConcatFromSequence needs a non-empty sequence");
        var items = new Tensor[s.Count];
        for (int i = 0; i < items.Length; i++) items[i] = Sequences.Item(c, s, i);
        bool newAxis = c.Int("new_axis", 0) != 0;
        if (!c.HasAttr("axis")) throw c.Error(ErrorCode.InvalidAttribute, "ConcatFromSequence needs the 'axis' attribute");
        long axis = c.Int("axis", 0);
        int rank = items[0].Rank + (newAxis ? 1 : 0);
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw c.Error(ErrorCode.InvalidAttribute, $"axis {axis} is out of range for rank {rank}");
        return [newAxis ? TensorPieces.Stack(items, (int)a) : TensorPieces.Concat(items, (int)a)];
    }
}
