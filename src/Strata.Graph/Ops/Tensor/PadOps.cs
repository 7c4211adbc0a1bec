using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Pad (modes constant, edge, reflect, wrap; negative pads crop) and CenterCropPad. Both build, per
/// axis, the source index of each output position (-1 = padding value).</summary>
internal static class PadOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Pad", InferPad, Pad));
        registry.AddOp(OpSchema.Unary("CenterCropPad", InferCenterCropPad, CenterCropPad));
    }

    /// <summary>Pads as attributes before opset 11 (<c>paddings</c> in opset 1), as inputs since; <c>axes</c> input since 18.
    /// Returns per-axis (begin, end) for every axis of the input.</summary>
    private static (long Begin, long End)[] AxisPads(int rank, long[] pads, long[]? axes)
    {
        var axisList = TensorArgs.Axes(axes ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray(), rank);
        if (pads.Length != 2 * axisList.Length)
            throw new StrataException(ErrorCode.InvalidShape, $"pads has {pads.Length} entries for {axisList.Length} axes",
                "give a begin and an end pad per axis: [x1_begin, x2_begin, …, x1_end, x2_end, …]");
        var r = new (long, long)[rank];
        for (int i = 0; i < axisList.Length; i++) r[axisList[i]] = (pads[i], pads[axisList.Length + i]);
        return r;
    }

    private static Tensor Pad(OpContext c)
    {
        var x = c.Input(0);
        string mode = c.String("mode", "constant");
        long[] pads;
        Tensor? value;
        long[]? axes = null;
        if (c.Opset >= 11)
        {
            pads = TensorArgs.Ints(c.Input(1));
            value = c.OptionalInput(2);
            if (c.Opset >= 18 && c.OptionalInput(3) is { } a) axes = TensorArgs.Ints(a);
        }
        else
        {
            pads = c.Ints(c.Opset < 2 ? "paddings" : "pads") ?? throw c.Error(ErrorCode.InvalidAttribute, "Pad needs the pads attribute");
            value = TensorConvert.FromDoubles(x.DataType, [c.Float("value", 0)], []);
        }
        var perAxis = AxisPads(x.Rank, pads, axes);
        var tables = new int[x.Rank][];
        for (int d = 0; d < x.Rank; d++) tables[d] = PadTable(x.Shape[d], perAxis[d].Begin, perAxis[d].End, mode);
        return TensorCopy.Take(x, TensorCopy.AxisMap(tables, x.Shape), tables.Select(t => t.Length).ToArray(),
            mode == "constant" ? value : null);
    }

    /// <summary>For each output position along one axis, the source index (-1 = constant padding). Negative pads
    /// crop first; the padding modes then refer to the cropped range.</summary>
    public static int[] PadTable(int dim, long begin, long end, string mode)
    {
        long lo = Math.Max(0, -begin), hi = dim - Math.Max(0, -end);
        long core = hi - lo;
        long padLo = Math.Max(0, begin), padHi = Math.Max(0, end);
        if (core < 0 || padLo + core + padHi < 0)
            throw new StrataException(ErrorCode.InvalidShape, $"pads ({begin}, {end}) crop more than the dim's size {dim}", "negative pads may not remove more than the whole axis");
        if (core == 0 && padLo + padHi > 0 && mode != "constant")
            throw new StrataException(ErrorCode.InvalidShape, $"{mode} padding needs a non-empty axis", "use constant mode to pad an empty axis");
        var t = new int[checked((int)(padLo + core + padHi))];
        for (int o = 0; o < t.Length; o++)
        {
            long i = o - padLo;
            if (i >= 0 && i < core) { t[o] = (int)(lo + i); continue; }
            t[o] = mode switch
            {
                "constant" => -1,
                "edge" => (int)(lo + Math.Clamp(i, 0, core - 1)),
                "reflect" => (int)(lo + Reflect(i, core)),
                "wrap" => (int)(lo + ((i % core) + core) % core),
                _ => throw new StrataException(ErrorCode.InvalidAttribute, $"unknown pad mode '{mode}'", "use constant, edge, reflect or wrap"),
            };
        }
        return t;
    }

    /// <summary>Mirror index without repeating the edge (numpy 'reflect'): period 2(n-1).</summary>
    private static long Reflect(long i, long n)
    {
        if (n == 1) return 0;
        long period = 2 * (n - 1);
        long m = ((i % period) + period) % period;
        return m < n ? m : period - m;
    }

    private static TensorType? InferPad(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        long[]? pads = c.Opset >= 11 ? TensorArgs.ConstInts(c, 1) : c.Node.GetInts(c.Opset < 2 ? "paddings" : "pads");
        long[]? axes = c.Opset >= 18 ? TensorArgs.ConstInts(c, 3) : null;
        if (pads is null || c.Opset >= 18 && c.HasInput(3) && axes is null) return TensorArgs.UnknownDims(et, s.Rank);
        var perAxis = AxisPads(s.Rank, pads, axes);
        return new TensorType(et, Shape.Of(s.Dims.Select((d, i) =>
            d.Value is { } v ? Dim.Of(v + perAxis[i].Begin + perAxis[i].End) : perAxis[i] == (0, 0) ? d : Dim.Unknown)));
    }

    /// <summary>CenterCropPad: per listed axis, crop (dim &gt; target) or zero-pad (dim &lt; target) symmetrically; the
    /// odd element goes to the end.</summary>
    private static Tensor CenterCropPad(OpContext c)
    {
        var x = c.Input(0);
        var target = TensorArgs.Ints(c.Input(1));
        var axes = TensorArgs.Axes(c.Ints("axes") ?? Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray(), x.Rank);
        if (target.Length != axes.Length)
            throw c.Error(ErrorCode.InvalidShape, $"shape has {target.Length} entries for {axes.Length} axes");
        var tables = x.Shape.Select(TensorCopy.Iota).ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int dim = x.Shape[axes[i]];
            int size = TensorArgs.Dims([target[i]], "CenterCropPad shape")[0];
            var t = tables[axes[i]] = new int[size];
            int shift = size < dim ? (dim - size) / 2 : -((size - dim) / 2);
            for (int o = 0; o < size; o++)
            {
                int src = o + shift;
                t[o] = src >= 0 && src < dim ? src : -1;
            }
        }
        return TensorCopy.Take(x, TensorCopy.AxisMap(tables, x.Shape), tables.Select(t => t.Length).ToArray());
    }

    private static TensorType? InferCenterCropPad(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        var axes = TensorArgs.Axes(c.Node.GetInts("axes") ?? Enumerable.Range(0, s.Rank).Select(i => (long)i).ToArray(), s.Rank);
        var dims = s.Dims.ToArray();
        var target = TensorArgs.ConstInts(c, 1);
        for (int i = 0; i < axes.Length; i++) dims[axes[i]] = target is not null && i < target.Length ? Dim.Of(target[i]) : Dim.Unknown;
        return new TensorType(et, Shape.Of(dims));
    }
}
