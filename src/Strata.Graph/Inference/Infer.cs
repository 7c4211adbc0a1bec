using Strata.Core;

namespace Strata.Graph;

/// <summary>Common type-inference rules, shared by op families.</summary>
public static class Infer
{
    /// <summary>Output has the type of input <paramref name="i"/>.</summary>
    public static Core.ValueType? SameAs(InferenceContext c, int i) => i < c.InputTypes.Count ? c.InputTypes[i] : null;

    /// <summary>Output shape is the broadcast of all given inputs; element type from <paramref name="elementType"/> or input 0.</summary>
    public static TensorType? Broadcast(InferenceContext c, DataType? elementType = null)
    {
        var types = Enumerable.Range(0, c.InputCount).Where(c.HasInput).Select(c.InputTensor).ToArray();
        var et = elementType ?? types.FirstOrDefault()?.ElementType;
        if (et is null) return null;
        if (types.Any(t => t?.Shape is null)) return new TensorType(et.Value, null);
        return new TensorType(et.Value, BroadcastShapes(types.Select(t => t!.Shape!)));
    }

    /// <summary>Symbolic numpy broadcasting: known dims broadcast as usual; symbolic dims survive where the other side is 1.</summary>
    public static Shape BroadcastShapes(IEnumerable<Shape> shapes)
    {
        var list = shapes.ToList();
        int rank = list.Count == 0 ? 0 : list.Max(s => s.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim d = Dim.Of(1);
            foreach (var s in list)
            {
                int j = i - (rank - s.Rank);
                if (j < 0) continue;
                var sd = s[j];
                if (sd.Value == 1) continue;
                if (d.Value == 1) { d = sd; continue; }
                if (sd.IsKnown && d.IsKnown && sd.Value != d.Value)
                    throw new StrataException(ErrorCode.ShapeMismatch, $"shapes {string.Join(" and ", list)} do not broadcast",
                        "make the operand shapes broadcast-compatible");
                if (!d.IsKnown && sd.IsKnown) d = sd;
                else if (d.IsSymbolic && sd.IsSymbolic && d.Symbol != sd.Symbol) d = Dim.Unknown;
            }
            dims[i] = d;
        }
        return Shape.Of(dims);
    }

    public static TensorType Tensor(DataType et, params int[] dims) => new(et, Shape.Of(dims));
}
