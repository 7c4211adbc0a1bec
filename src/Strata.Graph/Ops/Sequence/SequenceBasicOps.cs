using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>The sequence value ops: SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt, SequenceErase,
/// SequenceLength. Sequences are immutable: every op builds a new one.</summary>
internal static class SequenceBasicOps
{
    public static IEnumerable<OpSchema> Schemas()
    {
        yield return new("", "SequenceEmpty",
            c => [new SequenceType(new TensorType(DtypeAttr(c.Node), null))],
            c => [new TensorSequence(new TensorType(DtypeAttr(c.Node), null), [])]);

        yield return new("", "SequenceConstruct",
            c =>
            {
                Core.ValueType? t = c.InputCount > 0 ? c.InputTypes[0] : null;
                for (int i = 1; i < c.InputCount; i++) t = TypeUnion.Of(t, c.InputTypes[i]);
                return [t is null ? null : new SequenceType(t)];
            },
            c =>
            {
                var items = new RuntimeValue[c.InputCount];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = c.Input(i);
                    if (i > 0 && c.Input(i).DataType != c.Input(0).DataType)
                        throw c.Error(ErrorCode.TypeMismatch, "SequenceConstruct inputs must share one element type");
                }
                if (items.Length == 0) throw c.Error(ErrorCode.MissingInput, "SequenceConstruct needs at least one input");
                return [new TensorSequence(TypeUnion.ItemType(items[0]), items)];
            });

        yield return new("", "SequenceInsert",
            c => [c.InputTypes[0] is SequenceType s ? s : null],
            c =>
            {
                var s = Sequences.Get(c, 0);
                var t = c.Input(1);
                if (s.ElementType is TensorType et && et.ElementType != DataType.Undefined && et.ElementType != t.DataType)
                    throw c.Error(ErrorCode.TypeMismatch,
                        $"cannot insert a {t.DataType.ShortName()} tensor into a sequence of {et.ElementType.ShortName()}");
                int at = c.HasInput(2) ? Sequences.Position(c, 2, s.Count, allowEnd: true) : s.Count;
                var items = new List<RuntimeValue>(s.Items);
                items.Insert(at, t);
                return [new TensorSequence(s.ElementType, items)];
            });

        yield return new("", "SequenceAt",
            c => [Sequences.ElementType(c, 0)],
            c =>
            {
                var s = Sequences.Get(c, 0);
                return [s.Items[Sequences.Position(c, 1, s.Count, allowEnd: false)]];
            });

        yield return new("", "SequenceErase",
            c => [c.InputTypes[0] as SequenceType],
            c =>
            {
                var s = Sequences.Get(c, 0);
                if (s.Count == 0) throw c.Error(ErrorCode.IndexOutOfRange, "cannot erase from an empty sequence");
                int at = c.HasInput(1) ? Sequences.Position(c, 1, s.Count, allowEnd: false) : s.Count - 1;
                var items = new List<RuntimeValue>(s.Items);
                items.RemoveAt(at);
                return [new TensorSequence(s.ElementType, items)];
            });

        yield return new("", "SequenceLength",
            c => [new TensorType(DataType.Int64, Shape.Scalar)],
            c => [Tensor<long>.Scalar(Sequences.Get(c, 0).Count)]);
    }

    private static DataType DtypeAttr(Node node) => (DataType)node.GetInt("dtype", (long)DataType.Float32);
}
