using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Conv (opsets 1, 11, 22): N-d grouped convolution with strides, dilations, pads/auto_pad and optional
/// bias. Computed as im2col over chunks of output pixels followed by the blocked matrix product
/// <c>Y[g] = W[g] · col</c>; chunks run in parallel.</summary>
internal static class ConvOp
{
    /// <summary>Elements of one im2col chunk (≈1 MB of floats): big enough for a wide product, small enough for L2.</summary>
    private const int ChunkElements = 1 << 18;

    public static OpSchema Schema => new("", "Conv", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        var w = c.InputTensor(1);
        if (x is null) return null;
        if (x.Shape is null) return new TensorType(x.ElementType, null);
        int rank = x.Shape.Rank - 2;
        if (rank < 1) throw c.Error(ErrorCode.ShapeMismatch, $"Conv input must have rank >= 3, got {x.Shape}");
        int[]? kernel = w?.Shape is { } ws && ws.Rank == rank + 2 && ws.Dims.Skip(2).All(d => d.IsKnown)
            ? ws.Dims.Skip(2).Select(d => (int)d.Value!.Value).ToArray() : null;
        var m = w?.Shape is { Rank: > 0 } s ? s[0] : Dim.Unknown;
        var dims = new List<Dim> { x.Shape[0], m };
        if (kernel is null && c.Node.GetInts("kernel_shape") is null)
            dims.AddRange(Enumerable.Repeat(Dim.Unknown, rank));
        else
        {
            var a = WindowGeometry.Read(c.Node, rank, kernel, (code, msg) => c.Error(code, msg));
            dims.AddRange(WindowGeometry.InferOutput(Shape.Of(x.Shape.Dims.Skip(2)), a));
        }
        return new TensorType(x.ElementType, Shape.Of(dims));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var x = ctx.Input(0);
        if (!FloatBuffers.IsSupported(x.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"Conv does not support {x.DataType.ShortName()}");
        return x.DataType == DataType.Float64 ? Compute<double>(ctx) : Compute<float>(ctx);
    }

    private static Tensor Compute<T>(OpContext ctx) where T : unmanaged, INumber<T>
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var bias = ctx.OptionalInput(2);
        int rank = x.Rank - 2;
        if (rank < 1 || w.Rank != x.Rank)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Conv needs X of rank >= 3 and W of the same rank, got {ShapeMath.Format(x.Shape)} and {ShapeMath.Format(w.Shape)}");
        int group = checked((int)ctx.Int("group", 1));
        int n = x.Shape[0], c = x.Shape[1], m = w.Shape[0], cg = w.Shape[1];
        if (group <= 0 || cg * group != c || m % group != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"Conv with group={group}: X has {c} channels, W is {ShapeMath.Format(w.Shape)}; need channels = W.shape[1]·group and W.shape[0] divisible by group");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != m))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Conv bias must have shape [{m}], got {ShapeMath.Format(bias.Shape)}");
        var a = WindowGeometry.Read(ctx.Node, rank, w.Shape[2..], (code, msg) => ctx.Error(code, msg));
        if (!a.Kernel.AsSpan().SequenceEqual(w.Shape.AsSpan(2)))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"kernel_shape {ShapeMath.Format(a.Kernel)} differs from the weights' {ShapeMath.Format(w.Shape[2..])}");
        var g = WindowGeometry.Create(x.Shape[2..], a);

        var xm = FloatBuffers.Read<T>(x);
        var wm = FloatBuffers.Read<T>(w);
        var y = Convolve<T>(xm, wm, n, c, m, group, g);
        if (bias is not null)
        {
            var b = FloatBuffers.Read<T>(bias).Span;
            int p = ShapeMath.Size(g.Output);
            for (int i = 0; i < n * m; i++)
            {
                T bv = b[i % m];
                y.AsSpan(i * p, p).Add(bv);
            }
        }
        int[] outShape = [n, m, .. g.Output];
        return FloatBuffers.Write(x.DataType, y, outShape);
    }

    /// <summary>Y[n, m, out...] = Σ W[m, c, k...]·X[n, g·Cg + c, in(out, k)...] for the images, groups and output chunks.</summary>
    public static T[] Convolve<T>(ReadOnlyMemory<T> x, ReadOnlyMemory<T> w, int n, int c, int m, int group, WindowGeometry g)
        where T : unmanaged, INumber<T>
    {
        int cg = c / group, mg = m / group;
        int inSize = ShapeMath.Size(g.Input), p = ShapeMath.Size(g.Output), kvol = ShapeMath.Size(g.Kernel);
        int k = cg * kvol;
        var y = new T[(long)n * m * p];
        if (p == 0 || n == 0 || m == 0) return y;
        bool pointwise = kvol == 1 && g.Strides.All(s => s == 1) && g.PadBegin.All(v => v == 0) && g.PadEnd.All(v => v == 0);

        int panel = Vector<T>.Count * 2;
        int chunk = Math.Max(panel * 4, ChunkElements / Math.Max(k, 1) / panel * panel);
        int threads = Environment.ProcessorCount;
        long work = (long)n * m * p * k;
        if (threads > 1 && work >= MatrixMultiply.ParallelThreshold)
        {
            // Enough chunks to keep every thread busy.
            int want = (threads * 3 + n * group - 1) / (n * group);
            chunk = Math.Min(chunk, Math.Max(panel, (p + want - 1) / want / panel * panel));
        }
        chunk = Math.Min(chunk, p);
        int chunks = (p + chunk - 1) / chunk;
        int tasks = n * group * chunks;
        var ym = y.AsMemory();

        void Task(int t)
        {
            int ci = t % chunks, ng = t / chunks, gi = ng % group, ni = ng / group;
            int p0 = ci * chunk, pc = Math.Min(chunk, p - p0);
            var image = x.Span.Slice((ni * c + gi * cg) * inSize, cg * inSize);
            var weights = w.Span.Slice(gi * mg * k, mg * k);
            var outp = ym.Span.Slice((ni * m + gi * mg) * p + p0);
            if (pointwise)
            {
                MatrixMultiply.Multiply(mg, pc, k, weights, k, image[p0..], inSize, outp, p, accumulate: false);
                return;
            }
            var col = ArrayPool<T>.Shared.Rent(k * pc);
            try
            {
                Im2Col(image, cg, g, p0, pc, col);
                MatrixMultiply.Multiply(mg, pc, k, weights, k, col, pc, outp, p, accumulate: false);
            }
            finally { ArrayPool<T>.Shared.Return(col); }
        }

        if (tasks > 1 && threads > 1 && work >= MatrixMultiply.ParallelThreshold) Parallel.For(0, tasks, Task);
        else for (int t = 0; t < tasks; t++) Task(t);
        return y;
    }

    /// <summary>Fills <paramref name="col"/> ([cg·kvol, pc], row-major) with the input values each output pixel in
    /// [p0, p0+pc) sees through each kernel tap; padding reads as zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col<T>(ReadOnlySpan<T> image, int cg, WindowGeometry g, int p0, int pc, Span<T> col)
        where T : unmanaged, INumber<T>
    {
        int nd = g.Rank, last = nd - 1;
        int inSize = ShapeMath.Size(g.Input), kvol = ShapeMath.Size(g.Kernel);
        int outLast = g.Output[last], inLast = g.Input[last], sLast = g.Strides[last];
        var inStrides = ShapeMath.Strides(g.Input);
        var kk = new int[nd];
        var o = new int[nd];
        for (int r = 0; r < cg * kvol; r++)
        {
            int ch = r / kvol, kidx = r % kvol;
            for (int d = last; d >= 0; d--) { kk[d] = kidx % g.Kernel[d]; kidx /= g.Kernel[d]; }
            var dst = col.Slice(r * pc, pc);
            var src = image.Slice(ch * inSize, inSize);
            int offLast = kk[last] * g.Dilations[last] - g.PadBegin[last];
            // Valid output range along the last dim: 0 <= ox*s + off < inLast.
            int oxLo = offLast >= 0 ? 0 : (-offLast + sLast - 1) / sLast;
            int oxHi = inLast - 1 - offLast < 0 ? -1 : (inLast - 1 - offLast) / sLast; // inclusive
            int pos = 0;
            while (pos < pc)
            {
                int flat = p0 + pos;
                int rowIdx = flat / outLast, ox0 = flat % outLast;
                int len = Math.Min(outLast - ox0, pc - pos);
                // Decode the outer output coords and map them to the input.
                int baseIdx = 0;
                bool inside = true;
                int rem = rowIdx;
                for (int d = last - 1; d >= 0; d--)
                {
                    o[d] = rem % g.Output[d];
                    rem /= g.Output[d];
                    int id = o[d] * g.Strides[d] + kk[d] * g.Dilations[d] - g.PadBegin[d];
                    if ((uint)id >= (uint)g.Input[d]) { inside = false; break; }
                    baseIdx += id * inStrides[d];
                }
                var seg = dst.Slice(pos, len);
                if (!inside) seg.Clear();
                else
                {
                    int lo = Math.Clamp(oxLo - ox0, 0, len), hi = Math.Clamp(oxHi + 1 - ox0, lo, len);
                    seg[..lo].Clear();
                    seg[hi..].Clear();
                    int ix = (ox0 + lo) * sLast + offLast + baseIdx;
                    if (hi <= lo) { } // every tap of this segment lies in the padding (ix may point past the image)
                    else if (sLast == 1) src.Slice(ix, hi - lo).CopyTo(seg[lo..hi]);
                    else
                        for (int j = lo; j < hi; j++, ix += sLast) seg[j] = src[ix];
                }
                pos += len;
            }
        }
    }
}
