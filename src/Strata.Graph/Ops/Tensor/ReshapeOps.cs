using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Reshape, Flatten, Squeeze and Unsqueeze: new dims for the same row-major data (outputs share the
/// input's storage; values are immutable).</summary>
internal static class ReshapeOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Reshape", InferReshape, c =>
        {
            var x = c.Input(0);
            long[] spec = c.Opset >= 5 ? TensorArgs.Ints(c.Input(1)) : c.Ints("shape") ?? [];
            return x.Reshape(ReshapeDims(x.Shape, spec, c.Int("allowzero", 0) != 0));
        }));
        registry.AddOp(OpSchema.Unary("Flatten", InferFlatten, c =>
        {
            var x = c.Input(0);
            int axis = FlattenAxis(c.Int("axis", 1), x.Rank);
            return x.Reshape([ShapeMath.Size(x.Shape.AsSpan(0, axis)), ShapeMath.Size(x.Shape.AsSpan(axis))]);
        }));
        registry.AddOp(OpSchema.Unary("Squeeze", InferSqueeze, c =>
        {
            var x = c.Input(0);
            return x.Reshape(SqueezeDims(x.Shape, SqueezeAxes(c)));
        }));
        registry.AddOp(OpSchema.Unary("Unsqueeze", InferUnsqueeze, c =>
        {
            var x = c.Input(0);
            var axes = UnsqueezeAxes(c) ?? throw c.Error(ErrorCode.MissingInput, "Unsqueeze needs axes", "give the axes input (attribute before opset 13)");
            var flags = UnsqueezeFlags(axes, x.Rank);
            var dims = new int[flags.Length];
            for (int i = 0, j = 0; i < dims.Length; i++) dims[i] = flags[i] ? 1 : x.Shape[j++];
            return x.Reshape(dims);
        }));
    }

    /// <summary>Reshape's target dims: 0 copies the input dim (unless <paramref name="allowZero"/>), one -1 is inferred.</summary>
    public static int[] ReshapeDims(int[] input, long[] spec, bool allowZero)
    {
        var dims = new int[spec.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < spec.Length; i++)
        {
            long d = spec[i];
            if (d == -1)
            {
                if (inferred >= 0) throw new StrataException(ErrorCode.InvalidShape, $"Reshape shape [{string.Join(",", spec)}] has more than one -1",
                    "use -1 for at most one dimension");
                inferred = i;
                continue;
            }
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length) throw new StrataException(ErrorCode.InvalidShape,
                    $"Reshape shape [{string.Join(",", spec)}] copies dim {i} (0) but the input {ShapeMath.Format(input)} has rank {input.Length}",
                    "0 copies the input's dim at the same position; use an explicit size");
                d = input[i];
            }
            if (d < 0 || d > int.MaxValue) throw new StrataException(ErrorCode.InvalidShape, $"Reshape shape [{string.Join(",", spec)}] has an invalid dim {spec[i]}",
                "dims must be >= -1");
            dims[i] = (int)d;
            known *= d;
        }
        long total = ShapeMath.Size(input);
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0)
                throw new StrataException(ErrorCode.InvalidShape, $"cannot reshape {ShapeMath.Format(input)} to [{string.Join(",", spec)}]: the -1 dim cannot be inferred",
                    "the other dims must divide the element count");
            dims[inferred] = (int)(total / known);
        }
        else if (known != total)
            throw new StrataException(ErrorCode.InvalidShape, $"cannot reshape {ShapeMath.Format(input)} ({total} elements) to [{string.Join(",", spec)}] ({known} elements)",
                "the element count must stay the same");
        return dims;
    }

    private static TensorType? InferReshape(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        bool allowZero = c.Node.GetInt("allowzero", 0) != 0;
        long[]? spec = c.Opset >= 5 ? TensorArgs.ConstInts(c, 1) : c.Node.GetInts("shape");
        var input = TensorArgs.StaticShape(c, 0);
        if (spec is null) return TensorArgs.UnknownDims(et, c.InputShape(1) is [var n] ? n : null);
        if (input?.ToConcrete() is { } concrete) return Infer.Tensor(et, ReshapeDims(concrete, spec, allowZero));
        var dims = new Dim[spec.Length];
        for (int i = 0; i < spec.Length; i++)
            dims[i] = spec[i] switch
            {
                0 when !allowZero => input is not null && i < input.Rank ? input[i] : Dim.Unknown,
                -1 => Dim.Unknown,
                var d => Dim.Of(d),
            };
        // A -1 is still known when the other dims and the input's element count are.
        int minus = Array.IndexOf(spec, -1L);
        if (minus >= 0 && input is not null && TensorArgs.Product(input.Dims) is { IsKnown: true } total
            && TensorArgs.Product(dims.Where((_, i) => i != minus)) is { IsKnown: true, Value: > 0 } rest)
            dims[minus] = Dim.Of(total.Value!.Value / rest.Value!.Value);
        return new TensorType(et, Shape.Of(dims));
    }

    private static int FlattenAxis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a > rank)
            throw new StrataException(ErrorCode.InvalidAttribute, $"Flatten axis {axis} is out of range for rank {rank}", $"use an axis in [{-rank}, {rank}]");
        return (int)a;
    }

    private static TensorType? InferFlatten(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return TensorArgs.UnknownDims(et, 2);
        int axis = FlattenAxis(c.Node.GetInt("axis", 1), s.Rank);
        return new TensorType(et, Shape.Of([TensorArgs.Product(s.Dims.Take(axis)), TensorArgs.Product(s.Dims.Skip(axis))]));
    }

    private static long[]? SqueezeAxes(OpContext c) =>
        c.Opset >= 13 ? (c.OptionalInput(1) is { } t ? TensorArgs.Ints(t) : null) : c.Ints("axes");

    private static int[] SqueezeDims(int[] shape, long[]? axes)
    {
        if (axes is null) return shape.Where(d => d != 1).ToArray();
        var drop = TensorArgs.Axes(axes, shape.Length);
        foreach (int a in drop)
            if (shape[a] != 1)
                throw new StrataException(ErrorCode.InvalidShape, $"Squeeze axis {a} has size {shape[a]}, not 1, in {ShapeMath.Format(shape)}",
                    "only dims of size 1 can be squeezed");
        return shape.Where((_, i) => !drop.Contains(i)).ToArray();
    }

    private static TensorType? InferSqueeze(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var s = TensorArgs.StaticShape(c, 0);
        long[]? axes = c.Opset >= 13 ? (c.HasInput(1) ? TensorArgs.ConstInts(c, 1) : null) : c.Node.GetInts("axes");
        bool axesUnknown = c.Opset >= 13 && c.HasInput(1) && axes is null;
        if (s is null || axesUnknown) return new TensorType(et, null);
        if (axes is null)
            return s.Dims.Any(d => !d.IsKnown) ? new TensorType(et, null) : new TensorType(et, Shape.Of(s.Dims.Where(d => d.Value != 1)));
        var drop = TensorArgs.Axes(axes, s.Rank);
        return new TensorType(et, Shape.Of(s.Dims.Where((_, i) => !drop.Contains(i))));
    }

    private static long[]? UnsqueezeAxes(OpContext c) =>
        c.Opset >= 13 ? (c.OptionalInput(1) is { } t ? TensorArgs.Ints(t) : null) : c.Ints("axes");

    /// <summary>For each output dim, whether it is a new dim of size 1.</summary>
    private static bool[] UnsqueezeFlags(long[] axes, int inputRank)
    {
        int rank = inputRank + axes.Length;
        var flags = new bool[rank];
        foreach (int a in TensorArgs.Axes(axes, rank)) flags[a] = true;
        return flags;
    }

    private static TensorType? InferUnsqueeze(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var s = TensorArgs.StaticShape(c, 0);
        long[]? axes = c.Opset >= 13 ? TensorArgs.ConstInts(c, 1) : c.Node.GetInts("axes");
        if (s is null) return new TensorType(et, null);
        if (axes is null) return TensorArgs.UnknownDims(et, c.InputShape(1) is [var n] ? s.Rank + n : null);
        var flags = UnsqueezeFlags(axes, s.Rank);
        var dims = new Dim[flags.Length];
        for (int i = 0, j = 0; i < dims.Length; i++) dims[i] = flags[i] ? Dim.Of(1) : s[j++];
        return new TensorType(et, Shape.Of(dims));
    }
}
