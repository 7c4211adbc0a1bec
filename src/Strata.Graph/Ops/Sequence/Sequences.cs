using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Reading sequence inputs and positions, shared by the sequence ops.</summary>
internal static class Sequences
{
    public static TensorSequence Get(OpContext c, int i) => c.HasInput(i)
        ? c.Inputs[i] as TensorSequence ?? throw c.Error(ErrorCode.TypeMismatch, $"input {i} is a {c.Inputs[i]!.Type}, expected a sequence")
        : throw c.Error(ErrorCode.MissingInput, $"required sequence input {i} is missing");

    /// <summary>The element type of sequence input <paramref name="i"/> for inference, if known.</summary>
    public static Core.ValueType? ElementType(InferenceContext c, int i) => i < c.InputCount && c.InputTypes[i] is SequenceType s ? s.ElementType : null;

    /// <summary>A position input normalized into [0, <paramref name="count"/>) (or [0, count] when
    /// <paramref name="allowEnd"/>, for insertion); negative positions count from the back.</summary>
    public static int Position(OpContext c, int input, int count, bool allowEnd)
    {
        long p = Scalars.Int(c, c.Input(input), "position");
        long q = p < 0 ? p + count : p;
        long max = allowEnd ? count : count - 1;
        if (q < 0 || q > max)
            throw c.Error(ErrorCode.IndexOutOfRange,
                $"position {p} is out of range for a sequence of {count} items",
                allowEnd ? $"use a position in [-{count}, {count}]" : $"use a position in [-{count}, {count - 1}]");
        return (int)q;
    }

    public static Tensor Item(OpContext c, TensorSequence s, int index) =>
        s.Items[index] as Tensor ?? throw c.Error(ErrorCode.TypeMismatch, $"sequence item {index} is a {s.Items[index].Type}, expected a tensor");
}
