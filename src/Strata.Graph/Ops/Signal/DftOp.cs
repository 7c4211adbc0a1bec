using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>DFT over one axis of a real ([..., 1]) or complex ([..., 2]) signal. Opset 17 takes <c>axis</c> as an
/// attribute (default 1) and <c>dft_length</c> as input 1; opset 20 takes axis as input 2 (default -2). The signal is
/// zero-padded or truncated to dft_length. onesided: forward keeps bins [0, n/2]; inverse (IRFFT) treats the input
/// as the one-sided spectrum of a real signal of dft_length (default 2·(len-1)) samples and returns it real ([..., 1]).</summary>
internal static class DftOp
{
    public static OpSchema Schema { get; } = new("", "DFT", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return [null];
        var shape = c.InputTensor(0)?.Shape;
        if (shape is null) return [new TensorType(et, null)];
        var dims = Enumerable.Repeat(Dim.Unknown, shape.Rank).ToArray();
        bool irfft = c.Node.GetInt("inverse", 0) != 0 && c.Node.GetInt("onesided", 0) != 0;
        if (dims.Length > 0) dims[^1] = irfft ? 1 : 2;
        return [new TensorType(et, Shape.Of(dims))];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        int rank = x.Rank;
        if (rank < 2 || x.Shape[^1] is not (1 or 2))
            throw c.Error(ErrorCode.InvalidShape, $"DFT input must end in a dim of 1 (real) or 2 (complex), got {ShapeMath.Format(x.Shape)}");
        long axisValue = c.Opset >= 20
            ? (c.HasInput(2) ? Scalars.Int(c, c.Input(2), "axis") : -2)
            : c.Int("axis", 1);
        long a = axisValue < 0 ? axisValue + rank : axisValue;
        if (a < 0 || a > rank - 2)
            throw c.Error(ErrorCode.InvalidArgument, $"axis {axisValue} is out of range for a signal of rank {rank}",
                $"use an axis in [-{rank}, -2] or [0, {rank - 2}] (the last dim holds the complex parts)");
        int axis = (int)a;
        bool inverse = c.Int("inverse", 0) != 0;
        bool onesided = c.Int("onesided", 0) != 0;
        int inLength = x.Shape[axis];
        bool irfft = inverse && onesided;
        long lengthValue = c.HasInput(1) ? Scalars.Int(c, c.Input(1), "dft_length") : irfft ? 2L * (inLength - 1) : inLength;
        if (lengthValue < 1) throw c.Error(ErrorCode.InvalidArgument, $"dft_length must be >= 1, got {lengthValue}");
        int n = (int)lengthValue;
        int outLength = onesided && !inverse ? n / 2 + 1 : n;
        return [Transform(x, axis, n, outLength, inverse, irfft)];
    }

    /// <summary>Transforms every line of <paramref name="x"/> along <paramref name="axis"/>.</summary>
    internal static Tensor Transform(Tensor x, int axis, int n, int outLength, bool inverse, bool irfft)
    {
        int rank = x.Rank;
        int parts = x.Shape[^1];
        int inLength = x.Shape[axis];
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        for (int i = axis + 1; i < rank - 1; i++) inner *= x.Shape[i];
        var v = TensorConvert.ToDoubles(x);
        int outParts = irfft ? 1 : 2;
        var outShape = (int[])x.Shape.Clone();
        outShape[axis] = outLength;
        outShape[^1] = outParts;
        var result = new double[ShapeMath.Size(outShape)];
        var dft = new FourierTransform(n, inverse);
        var re = new double[n];
        var im = new double[n];
        var outRe = new double[outLength];
        var outIm = new double[outLength];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                Array.Clear(re);
                Array.Clear(im);
                int given = Math.Min(inLength, irfft ? n / 2 + 1 : n);
                for (int j = 0; j < given; j++)
                {
                    int at = ((o * inLength + j) * inner + i) * parts;
                    re[j] = v[at];
                    im[j] = parts == 2 ? v[at + 1] : 0;
                }
                if (irfft)
                {
                    // Rebuild the full spectrum of a real signal from its one-sided half: X[n-k] = conj(X[k]).
                    for (int k = n / 2 + 1; k < n; k++)
                    {
                        re[k] = re[n - k];
                        im[k] = -im[n - k];
                    }
                }
                dft.Apply(re, im, outRe, outIm);
                for (int k = 0; k < outLength; k++)
                {
                    int at = ((o * outLength + k) * inner + i) * outParts;
                    result[at] = outRe[k];
                    if (!irfft) result[at + 1] = outIm[k];
                }
            }
        return TensorConvert.FromDoubles(x.DataType, result, outShape);
    }
}
