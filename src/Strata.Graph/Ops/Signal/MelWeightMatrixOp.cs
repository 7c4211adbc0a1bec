using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>MelWeightMatrix: a [dft_length/2 + 1, num_mel_bins] matrix of triangular filters, evenly spaced on the
/// mel scale mel(f) = 2595 log10(1 + f/700) between lower_edge_hertz and upper_edge_hertz, each peaking at 1.
/// Band edges are mapped to spectrogram bins as floor((dft_length + 1) · f / sample_rate), with the mel range divided
/// into num_mel_bins + 2 steps, as the ONNX reference implementation (which produced the conformance data) does.</summary>
internal static class MelWeightMatrixOp
{
    public static OpSchema Schema { get; } = new("", "MelWeightMatrix", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var dt = (DataType)c.Node.GetInt("output_datatype", (long)DataType.Float32);
        Dim bins = c.ConstantInput(1) is { Length: 1 } d ? TensorConvert.ToInt64s(d)[0] / 2 + 1 : Dim.Unknown;
        Dim mels = c.ConstantInput(0) is { Length: 1 } m ? TensorConvert.ToInt64s(m)[0] : Dim.Unknown;
        return [new TensorType(dt, Shape.Of([bins, mels]))];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        int mels = (int)Scalars.Int(c, c.Input(0), "num_mel_bins");
        int dftLength = (int)Scalars.Int(c, c.Input(1), "dft_length");
        long sampleRate = Scalars.Int(c, c.Input(2), "sample_rate");
        double lower = TensorConvert.ToDoubles(c.Input(3))[0];
        double upper = TensorConvert.ToDoubles(c.Input(4))[0];
        if (mels < 1 || dftLength < 1 || sampleRate < 1)
            throw c.Error(ErrorCode.InvalidArgument, "num_mel_bins, dft_length and sample_rate must be >= 1");
        int spectrogramBins = dftLength / 2 + 1;
        double lowMel = 2595 * Math.Log10(1 + lower / 700);
        double highMel = 2595 * Math.Log10(1 + upper / 700);
        double melStep = (highMel - lowMel) / (mels + 2);
        var edges = new int[mels + 2];
        for (int i = 0; i < edges.Length; i++)
        {
            double hz = 700 * (Math.Pow(10, (i * melStep + lowMel) / 2595) - 1);
            edges[i] = (int)Math.Floor((dftLength + 1) * hz / sampleRate);
        }
        var w = new double[spectrogramBins * mels];
        void Set(int bin, int mel, double value)
        {
            if (bin < 0 || bin >= spectrogramBins)
                throw c.Error(ErrorCode.InvalidArgument, $"mel band {mel} reaches bin {bin}, outside [0, {spectrogramBins})",
                    "keep upper_edge_hertz at or below sample_rate / 2");
            w[bin * mels + mel] = value;
        }
        for (int m = 0; m < mels; m++)
        {
            int left = edges[m], center = edges[m + 1], right = edges[m + 2];
            if (center == left) Set(center, m, 1);
            else for (int j = left; j <= center; j++) Set(j, m, (double)(j - left) / (center - left));
            for (int j = center; j < right; j++) Set(j, m, (double)(right - j) / (right - center));
        }
        var dt = (DataType)c.Int("output_datatype", (long)DataType.Float32);
        return [TensorConvert.FromDoubles(dt, w, [spectrogramBins, mels])];
    }
}
