using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Concat and Split: joining tensors along an axis, and cutting one into pieces along an axis.</summary>
internal static class ConcatSplitOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Concat", InferConcat, Concat));
        registry.AddOp(new OpSchema("", "Split", InferSplit, Split));
    }

    private static Tensor Concat(OpContext c)
    {
        var parts = new List<Tensor>();
        for (int i = 0; i < c.InputCount; i++)
            if (c.HasInput(i)) parts.Add(c.Input(i));
        if (parts.Count == 0) throw c.Error(ErrorCode.MissingInput, "Concat needs at least one input");
        var first = parts[0];
        if (first.Rank == 0) throw c.Error(ErrorCode.InvalidShape, "Concat inputs must have rank >= 1");
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", 0), first.Rank);
        var shape = (int[])first.Shape.Clone();
        shape[axis] = 0;
        foreach (var p in parts)
        {
            if (p.DataType != first.DataType)
                throw c.Error(ErrorCode.TypeMismatch, $"Concat inputs have different element types ({first.DataType.ShortName()} and {p.DataType.ShortName()})");
            if (p.Rank != first.Rank || Enumerable.Range(0, p.Rank).Any(d => d != axis && p.Shape[d] != first.Shape[d]))
                throw c.Error(ErrorCode.ShapeMismatch, $"Concat inputs {ShapeMath.Format(first.Shape)} and {ShapeMath.Format(p.Shape)} differ outside axis {axis}",
                    "all inputs must have the same shape except along the concatenation axis");
            shape[axis] += p.Shape[axis];
        }
        return TensorCopy.Concat(parts, axis, shape);
    }

    private static TensorType? InferConcat(InferenceContext c)
    {
        var inputs = Enumerable.Range(0, c.InputCount).Where(c.HasInput).Select(c.InputTensor).ToArray();
        if (inputs.Length == 0 || inputs[0] is not { } first) return null;
        var shapes = inputs.Select(t => t?.Shape).ToArray();
        var known = shapes.FirstOrDefault(s => s is not null);
        if (known is null) return new TensorType(first.ElementType, null);
        int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", 0), known.Rank);
        var dims = new Dim[known.Rank];
        for (int d = 0; d < dims.Length; d++)
        {
            if (d == axis)
            {
                dims[d] = shapes.Any(s => s is null) ? Dim.Unknown : TensorArgs.Sum(shapes.Select(s => s![d]));
                continue;
            }
            // Any input that knows the dim tells it.
            dims[d] = shapes.Select(s => s?[d]).FirstOrDefault(x => x is { IsKnown: true }) ?? known[d];
        }
        return new TensorType(first.ElementType, Shape.Of(dims));
    }

    /// <summary>The sizes of the pieces: given (attribute before opset 13, input since), or equal pieces
    /// (<c>num_outputs</c> since opset 18, else the output count) with a smaller last piece when uneven.</summary>
    private static long[]? SplitSizes(Node node, int opset, long[]? splitInput, long? dim, int outputs)
    {
        var split = opset >= 13 ? splitInput : node.GetInts("split");
        if (split is not null) return split;
        int n = opset >= 18 && node.GetInt("num_outputs", 0) is > 0 and var k ? (int)k : outputs;
        if (dim is not { } d) return null;
        if (n <= 0) throw new StrataException(ErrorCode.InvalidAttribute, "Split needs at least one output", "give outputs or num_outputs");
        long chunk = (d + n - 1) / n;
        var sizes = new long[n];
        for (int i = 0; i < n; i++) sizes[i] = Math.Max(0, Math.Min(chunk, d - chunk * i));
        return sizes;
    }

    private static RuntimeValue?[] Split(OpContext c)
    {
        var x = c.Input(0);
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", 0), x.Rank);
        var sizes = SplitSizes(c.Node, c.Opset, c.Opset >= 13 && c.OptionalInput(1) is { } s ? TensorArgs.Ints(s) : null,
            x.Shape[axis], c.OutputCount)!;
        if (sizes.Length != c.OutputCount)
            throw c.Error(ErrorCode.InvalidAttribute, $"split has {sizes.Length} pieces but the node has {c.OutputCount} outputs");
        if (sizes.Any(v => v < 0) || sizes.Sum() != x.Shape[axis])
            throw c.Error(ErrorCode.InvalidAttribute, $"split sizes [{string.Join(",", sizes)}] do not add up to dim {axis} of {ShapeMath.Format(x.Shape)}",
                "the sizes must be >= 0 and sum to the size of the split axis");
        var outputs = new RuntimeValue?[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            var tables = x.Shape.Select(TensorCopy.Iota).ToArray();
            tables[axis] = Enumerable.Range(start, (int)sizes[i]).ToArray();
            var shape = tables.Select(t => t.Length).ToArray();
            outputs[i] = TensorCopy.Take(x, TensorCopy.AxisMap(tables, x.Shape), shape);
            start += (int)sizes[i];
        }
        return outputs;
    }

    private static Core.ValueType?[] InferSplit(InferenceContext c)
    {
        int n = c.Node.Outputs.Length;
        var result = new Core.ValueType?[n];
        if (c.InputElementType(0) is not { } et) return result;
        var s = TensorArgs.StaticShape(c, 0);
        if (s is null) { Array.Fill(result, new TensorType(et, null)); return result; }
        int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", 0), s.Rank);
        bool splitUnknown = c.Opset >= 13 && c.HasInput(1) && c.ConstantInput(1) is null;
        var sizes = splitUnknown ? null : SplitSizes(c.Node, c.Opset, TensorArgs.ConstInts(c, 1), s[axis].Value, n);
        for (int i = 0; i < n; i++)
        {
            var dims = s.Dims.ToArray();
            dims[axis] = sizes is not null && i < sizes.Length ? Dim.Of(sizes[i]) : Dim.Unknown;
            result[i] = new TensorType(et, Shape.Of(dims));
        }
        return result;
    }
}
