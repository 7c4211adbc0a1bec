using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>The most specific static type that describes values of either of two types (If's two branches, the
/// items of a sequence): equal dims stay, differing dims become unknown, differing ranks lose the shape.</summary>
internal static class TypeUnion
{
    public static Core.ValueType? Of(Core.ValueType? a, Core.ValueType? b)
    {
        if (a is null || b is null) return null;
        if (a == b) return a;
        switch (a, b)
        {
            case (TensorType ta, TensorType tb) when ta.ElementType == tb.ElementType:
                if (ta.Shape is null || tb.Shape is null || ta.Shape.Rank != tb.Shape.Rank) return new TensorType(ta.ElementType, null);
                var dims = new Dim[ta.Shape.Rank];
                for (int i = 0; i < dims.Length; i++) dims[i] = ta.Shape[i] == tb.Shape[i] ? ta.Shape[i] : Dim.Unknown;
                return new TensorType(ta.ElementType, Shape.Of(dims));
            case (SequenceType sa, SequenceType sb):
                return Of(sa.ElementType, sb.ElementType) is { } e ? new SequenceType(e) : null;
            case (OptionalType oa, OptionalType ob):
                return Of(oa.ElementType, ob.ElementType) is { } o ? new OptionalType(o) : null;
            default:
                return null;
        }
    }

    /// <summary>The element type a sequence records for an item: tensors keep their element type, not their shape.</summary>
    public static Core.ValueType ItemType(RuntimeValue item) => item is Tensor t ? new TensorType(t.DataType, null) : item.Type;
}
