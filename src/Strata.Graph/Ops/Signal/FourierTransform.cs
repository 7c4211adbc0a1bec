namespace Strata.Graph.Ops;

/// <summary>The discrete Fourier transform of one complex line, computed directly from its definition
/// (O(n × bins), exact enough in double; signal lengths in ONNX models are small).</summary>
internal sealed class FourierTransform
{
    private readonly double[] _cos;
    private readonly double[] _sin;

    /// <summary>A transform of length <paramref name="length"/>: y[k] = Σ_n x[n] e^{∓2πi kn/N}, divided by N when inverse.</summary>
    public FourierTransform(int length, bool inverse)
    {
        Length = length;
        Inverse = inverse;
        _cos = new double[length];
        _sin = new double[length];
        for (int i = 0; i < length; i++)
        {
            double angle = 2 * Math.PI * i / length;
            _cos[i] = Math.Cos(angle);
            _sin[i] = inverse ? Math.Sin(angle) : -Math.Sin(angle);
        }
    }

    public int Length { get; }
    public bool Inverse { get; }

    /// <summary>Writes the first <c>outRe.Length</c> bins of the transform of (re, im), both of <see cref="Length"/> values.</summary>
    public void Apply(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> outRe, Span<double> outIm)
    {
        int n = Length;
        double scale = Inverse && n > 0 ? 1.0 / n : 1.0;
        for (int k = 0; k < outRe.Length; k++)
        {
            double sr = 0, si = 0;
            int twiddle = 0;
            for (int j = 0; j < n; j++)
            {
                double c = _cos[twiddle], s = _sin[twiddle];
                sr += re[j] * c - im[j] * s;
                si += re[j] * s + im[j] * c;
                twiddle += k;
                if (twiddle >= n) twiddle %= n;
            }
            outRe[k] = sr * scale;
            outIm[k] = si * scale;
        }
    }
}
