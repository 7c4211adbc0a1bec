using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Slice: starts/ends/axes as attributes before opset 10, as inputs (with steps) since. Negative starts
/// and ends count from the back; out-of-range values clamp; negative steps walk backwards.</summary>
internal static class SliceOp
{
    public static void Register(ExtensionRegistry registry) =>
        registry.AddOp(OpSchema.Unary("Slice", Infer, c =>
        {
            var x = c.Input(0);
            SliceArgs args = c.Opset >= 10
                ? new(TensorArgs.Ints(c.Input(1)), TensorArgs.Ints(c.Input(2)),
                      c.OptionalInput(3) is { } a ? TensorArgs.Ints(a) : null, c.OptionalInput(4) is { } s ? TensorArgs.Ints(s) : null)
                : new(c.Ints("starts") ?? [], c.Ints("ends") ?? [], c.Ints("axes"), null);
            var tables = x.Shape.Select(TensorCopy.Iota).ToArray();
            foreach (var (axis, start, end, step) in args.PerAxis(x.Rank))
            {
                var (first, count) = Resolve(start, end, step, x.Shape[axis]);
                var t = tables[axis] = new int[count];
                for (int k = 0; k < count; k++) t[k] = (int)(first + k * step);
            }
            return TensorCopy.Take(x, TensorCopy.AxisMap(tables, x.Shape), tables.Select(t => t.Length).ToArray());
        }));

    /// <summary>The slice's arguments as given (axes and steps optional).</summary>
    private sealed record SliceArgs(long[] Starts, long[] Ends, long[]? Axes, long[]? Steps)
    {
        public IEnumerable<(int Axis, long Start, long End, long Step)> PerAxis(int rank)
        {
            int n = Starts.Length;
            if (Ends.Length != n || Axes is not null && Axes.Length != n || Steps is not null && Steps.Length != n)
                throw new StrataException(ErrorCode.InvalidShape,
                    $"Slice starts ({n}), ends ({Ends.Length}), axes ({Axes?.Length}) and steps ({Steps?.Length}) differ in length",
                    "give one start, end, axis and step per sliced axis");
            var axes = TensorArgs.Axes(Axes ?? Enumerable.Range(0, n).Select(i => (long)i).ToArray(), rank);
            for (int i = 0; i < n; i++)
            {
                long step = Steps?[i] ?? 1;
                if (step == 0) throw new StrataException(ErrorCode.InvalidAttribute, "Slice step is 0", "steps must be non-zero");
                yield return (axes[i], Starts[i], Ends[i], step);
            }
        }
    }

    /// <summary>The first index and the element count of slicing a dim of size <paramref name="dim"/>, after the
    /// spec's adjustment (negative → add dim) and clamping ([0, dim] going forward, [-1, dim-1] going back).</summary>
    public static (long First, int Count) Resolve(long start, long end, long step, long dim)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        long count;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            count = end > start ? (end - start - 1) / step + 1 : 0;
        }
        else
        {
            start = Math.Clamp(start, 0, dim - 1);
            end = Math.Clamp(end, -1, dim - 1);
            count = start > end ? (start - end - 1) / -step + 1 : 0;
        }
        return (start, (int)count);
    }

    private static TensorType? Infer(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        SliceArgs? args;
        if (c.Opset >= 10)
        {
            var starts = TensorArgs.ConstInts(c, 1);
            var ends = TensorArgs.ConstInts(c, 2);
            var axes = TensorArgs.ConstInts(c, 3);
            var steps = TensorArgs.ConstInts(c, 4);
            bool known = starts is not null && ends is not null && (!c.HasInput(3) || axes is not null) && (!c.HasInput(4) || steps is not null);
            args = known ? new(starts!, ends!, axes, steps) : null;
        }
        else args = new(c.Node.GetInts("starts") ?? [], c.Node.GetInts("ends") ?? [], c.Node.GetInts("axes"), null);
        var dims = s.Dims.ToArray();
        if (args is null)
        {
            // Which axes are sliced is unknown unless axes are constant.
            if (c.Opset >= 10 && TensorArgs.ConstInts(c, 3) is { } ax)
                foreach (int a in TensorArgs.Axes(ax, s.Rank)) dims[a] = Dim.Unknown;
            else Array.Fill(dims, Dim.Unknown);
            return new TensorType(et, Shape.Of(dims));
        }
        foreach (var (axis, start, end, step) in args.PerAxis(s.Rank))
            dims[axis] = s[axis].Value is { } d ? Dim.Of(Resolve(start, end, step, d).Count) : Dim.Unknown;
        return new TensorType(et, Shape.Of(dims));
    }
}
