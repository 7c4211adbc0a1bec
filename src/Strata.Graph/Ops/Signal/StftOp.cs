using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>STFT: frames of <c>frame_length</c> samples taken every <c>frame_step</c> samples from a real or complex
/// signal [batch, length, 1|2], each multiplied by <c>window</c> (default all ones) and transformed; output
/// [batch, frames, bins, 2] with frames = (length - frame_length) / frame_step + 1 and bins = frame_length/2 + 1
/// when onesided (the default), else frame_length. frame_length defaults to the window's length.</summary>
internal static class StftOp
{
    public static OpSchema Schema { get; } = new("", "STFT", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c) =>
        c.InputElementType(0) is { } et ? [new TensorType(et, Shape.Of([Dim.Unknown, Dim.Unknown, Dim.Unknown, Dim.Of(2)]))] : [null];

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var signal = c.Input(0);
        if (signal.Rank != 3 || signal.Shape[2] is not (1 or 2))
            throw c.Error(ErrorCode.InvalidShape, $"STFT signal must be [batch, length, 1 or 2], got {ShapeMath.Format(signal.Shape)}");
        long step = Scalars.Int(c, c.Input(1), "frame_step");
        var window = c.OptionalInput(2);
        long frameLength = c.HasInput(3) ? Scalars.Int(c, c.Input(3), "frame_length")
            : window is not null ? window.Length
            : throw c.Error(ErrorCode.MissingInput, "STFT needs a window or a frame_length");
        if (step < 1 || frameLength < 1)
            throw c.Error(ErrorCode.InvalidArgument, $"frame_step ({step}) and frame_length ({frameLength}) must be >= 1");
        if (window is not null && window.Length != frameLength)
            throw c.Error(ErrorCode.ShapeMismatch, $"the window has {window.Length} values, frame_length is {frameLength}");
        int batch = signal.Shape[0], length = signal.Shape[1], parts = signal.Shape[2];
        int n = (int)frameLength;
        if (n > length) throw c.Error(ErrorCode.InvalidArgument, $"frame_length {n} is longer than the signal ({length})");
        int frames = (int)((length - n) / step + 1);
        bool onesided = c.Int("onesided", 1) != 0;
        int bins = onesided ? n / 2 + 1 : n;

        var x = TensorConvert.ToDoubles(signal);
        var w = window is null ? null : TensorConvert.ToDoubles(window);
        var dft = new FourierTransform(n, inverse: false);
        var re = new double[n];
        var im = new double[n];
        var outRe = new double[bins];
        var outIm = new double[bins];
        var result = new double[batch * frames * bins * 2];
        for (int b = 0; b < batch; b++)
            for (int f = 0; f < frames; f++)
            {
                for (int j = 0; j < n; j++)
                {
                    int at = (b * length + f * (int)step + j) * parts;
                    double weight = w is null ? 1 : w[j];
                    re[j] = x[at] * weight;
                    im[j] = parts == 2 ? x[at + 1] * weight : 0;
                }
                dft.Apply(re, im, outRe, outIm);
                for (int k = 0; k < bins; k++)
                {
                    int at = ((b * frames + f) * bins + k) * 2;
                    result[at] = outRe[k];
                    result[at + 1] = outIm[k];
                }
            }
        return [TensorConvert.FromDoubles(signal.DataType, result, [batch, frames, bins, 2])];
    }
}
