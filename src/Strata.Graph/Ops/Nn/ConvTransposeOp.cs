using System.Numerics;
using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ConvTranspose (opsets 1, 11, 22): the gradient of Conv with respect to its input. Per image and group,
/// <c>col = Wᵀ · X</c> then col2im scatters each column back to the output positions it came from
/// (<c>out = in·stride − pad_begin + k·dilation</c>). Output size from <c>output_shape</c>, or
/// <c>stride·(in−1) + output_padding + (k−1)·dilation + 1 − pads</c>.</summary>
internal static class ConvTransposeOp
{
    public static OpSchema Schema => new("", "ConvTranspose", c => [InferType(c)], c => [Evaluate(c)]);

    /// <summary>Output size and begin padding of each spatial dim.</summary>
    private static (int[] Output, int[] PadBegin) Resolve(Node node, int[] input, WindowGeometry.Attributes a,
        Func<ErrorCode, string, StrataException> error)
    {
        int rank = input.Length;
        var outPad = node.GetInts("output_padding") is { } op ? WindowGeometry.ToInts(op) : new int[rank];
        if (outPad.Length != rank) throw error(ErrorCode.InvalidAttribute, $"output_padding needs {rank} values");
        var outputShape = node.GetInts("output_shape") is { } os ? WindowGeometry.ToInts(os) : null;
        if (outputShape is not null && outputShape.Length == rank + 2) outputShape = outputShape[2..];
        if (outputShape is not null && outputShape.Length != rank)
            throw error(ErrorCode.InvalidAttribute, $"output_shape needs {rank} spatial values");
        var output = new int[rank];
        var padBegin = new int[rank];
        bool same = a.AutoPad is "SAME_UPPER" or "SAME_LOWER";
        for (int d = 0; d < rank; d++)
        {
            int span = (a.Kernel[d] - 1) * a.Dilations[d] + 1;
            int natural = a.Strides[d] * (input[d] - 1) + outPad[d] + span;
            if (same)
            {
                output[d] = outputShape?[d] ?? input[d] * a.Strides[d];
                int total = natural - output[d];
                int floorHalf = (int)Math.Floor(total / 2.0);
                padBegin[d] = a.AutoPad == "SAME_UPPER" ? floorHalf : total - floorHalf;
            }
            else if (outputShape is not null)
            {
                output[d] = outputShape[d];
                padBegin[d] = a.AutoPad == "VALID" ? 0 : a.PadBegin[d];
            }
            else
            {
                bool valid = a.AutoPad == "VALID";
                padBegin[d] = valid ? 0 : a.PadBegin[d];
                output[d] = natural - (valid ? 0 : a.PadBegin[d] + a.PadEnd[d]);
            }
            if (output[d] < 0) throw error(ErrorCode.ShapeMismatch, $"ConvTranspose output dim {d} would be negative ({output[d]})");
        }
        return (output, padBegin);
    }

    private static TensorType? InferType(InferenceContext c)
    {
        var x = c.InputTensor(0);
        var w = c.InputTensor(1);
        if (x is null) return null;
        if (x.Shape is null) return new TensorType(x.ElementType, null);
        int rank = x.Shape.Rank - 2;
        if (rank < 1) throw c.Error(ErrorCode.ShapeMismatch, $"ConvTranspose input must have rank >= 3, got {x.Shape}");
        int group = (int)c.Node.GetInt("group", 1);
        var m = w?.Shape is { Rank: > 1 } ws && ws[1].Value is long mg ? Dim.Of(mg * group) : Dim.Unknown;
        var dims = new List<Dim> { x.Shape[0], m };
        var inSpatial = x.Shape.Dims.Skip(2).ToArray();
        int[]? kernel = w?.Shape is { } s && s.Rank == rank + 2 && s.Dims.Skip(2).All(d => d.IsKnown)
            ? s.Dims.Skip(2).Select(d => (int)d.Value!.Value).ToArray() : null;
        if ((kernel is null && c.Node.GetInts("kernel_shape") is null) || inSpatial.Any(d => !d.IsKnown))
            dims.AddRange(Enumerable.Repeat(Dim.Unknown, rank));
        else
        {
            var a = WindowGeometry.Read(c.Node, rank, kernel, (code, msg) => c.Error(code, msg));
            var input = inSpatial.Select(d => (int)d.Value!.Value).ToArray();
            dims.AddRange(Resolve(c.Node, input, a, (code, msg) => c.Error(code, msg)).Output.Select(v => Dim.Of(v)));
        }
        return new TensorType(x.ElementType, Shape.Of(dims));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var x = ctx.Input(0);
        if (!FloatBuffers.IsSupported(x.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"ConvTranspose does not support {x.DataType.ShortName()}");
        return x.DataType == DataType.Float64 ? Compute<double>(ctx) : Compute<float>(ctx);
    }

    private static Tensor Compute<T>(OpContext ctx) where T : unmanaged, INumber<T>
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var bias = ctx.OptionalInput(2);
        int rank = x.Rank - 2;
        if (rank < 1 || w.Rank != x.Rank)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"ConvTranspose needs X of rank >= 3 and W of the same rank, got {ShapeMath.Format(x.Shape)} and {ShapeMath.Format(w.Shape)}");
        int group = checked((int)ctx.Int("group", 1));
        int n = x.Shape[0], c = x.Shape[1], mg = w.Shape[1];
        if (group <= 0 || w.Shape[0] != c || c % group != 0)
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"ConvTranspose with group={group}: X has {c} channels, W is {ShapeMath.Format(w.Shape)}; need W.shape[0] = channels, divisible by group");
        int m = mg * group, cg = c / group;
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != m))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"ConvTranspose bias must have shape [{m}], got {ShapeMath.Format(bias.Shape)}");
        var a = WindowGeometry.Read(ctx.Node, rank, w.Shape[2..], (code, msg) => ctx.Error(code, msg));
        if (!a.Kernel.AsSpan().SequenceEqual(w.Shape.AsSpan(2)))
            throw ctx.Error(ErrorCode.ShapeMismatch, $"kernel_shape {ShapeMath.Format(a.Kernel)} differs from the weights' {ShapeMath.Format(w.Shape[2..])}");
        var input = x.Shape[2..];
        var (output, padBegin) = Resolve(ctx.Node, input, a, (code, msg) => ctx.Error(code, msg));

        var xs = FloatBuffers.Read<T>(x);
        var ws = FloatBuffers.Read<T>(w).Span;
        int pin = ShapeMath.Size(input), pout = ShapeMath.Size(output), kvol = ShapeMath.Size(a.Kernel);
        int rows = mg * kvol;
        var y = new T[(long)n * m * pout];
        // Wᵀ per group: [mg·kvol, cg].
        var wt = new T[group][];
        for (int gi = 0; gi < group; gi++)
        {
            var t = wt[gi] = new T[rows * cg];
            for (int ci = 0; ci < cg; ci++)
                for (int r = 0; r < rows; r++)
                    t[r * cg + ci] = ws[(gi * cg + ci) * rows + r];
        }
        var inStrides = ShapeMath.Strides(input);
        var outStrides = ShapeMath.Strides(output);
        var ym = y.AsMemory();
        void Task(int t)
        {
            int gi = t % group, ni = t / group;
            var col = new T[rows * pin];
            MatrixMultiply.Multiply<T>(rows, pin, cg, wt[gi], cg, xs.Span.Slice((ni * c + gi * cg) * pin), pin, col, pin, accumulate: false);
            var outp = ym.Span.Slice((ni * m + gi * mg) * pout, mg * pout);
            Col2Im(col, mg, kvol, input, output, inStrides, outStrides, a, padBegin, outp);
        }
        int tasks = n * group;
        if (tasks > 1 && (long)rows * pin * cg >= MatrixMultiply.ParallelThreshold / tasks) Parallel.For(0, tasks, Task);
        else for (int t = 0; t < tasks; t++) Task(t);

        if (bias is not null)
        {
            var b = FloatBuffers.Read<T>(bias).Span;
            for (int i = 0; i < n * m; i++) y.AsSpan(i * pout, pout).Add(b[i % m]);
        }
        return FloatBuffers.Write(x.DataType, y, [n, m, .. output]);
    }

    /// <summary>Adds col[(m, k...), in...] into out[m, in·stride − pad + k·dilation] where that lies in the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Col2Im<T>(ReadOnlySpan<T> col, int mg, int kvol, int[] input, int[] output, int[] inStrides, int[] outStrides,
        WindowGeometry.Attributes a, int[] padBegin, Span<T> outp) where T : unmanaged, INumber<T>
    {
        int nd = input.Length, pin = ShapeMath.Size(input), pout = ShapeMath.Size(output);
        var kk = new int[nd];
        var off = new int[nd];
        for (int r = 0; r < mg * kvol; r++)
        {
            int mi = r / kvol, kidx = r % kvol;
            for (int d = nd - 1; d >= 0; d--) { kk[d] = kidx % a.Kernel[d]; kidx /= a.Kernel[d]; }
            for (int d = 0; d < nd; d++) off[d] = kk[d] * a.Dilations[d] - padBegin[d];
            var src = col.Slice(r * pin, pin);
            var dst = outp.Slice(mi * pout, pout);
            for (int p = 0; p < pin; p++)
            {
                int flat = 0;
                bool inside = true;
                for (int d = 0; d < nd; d++)
                {
                    int id = p / inStrides[d] % input[d];
                    int od = id * a.Strides[d] + off[d];
                    if ((uint)od >= (uint)output[d]) { inside = false; break; }
                    flat += od * outStrides[d];
                }
                if (inside) dst[flat] += src[p];
            }
        }
    }
}
