namespace Strata.Graph.Ops;

/// <summary>How a <see cref="GridSampler"/> combines the pixels around a sampling point.</summary>
internal enum SampleInterpolation
{
    /// <summary>The pixel nearest to the point (ties round to even).</summary>
    Nearest,
    /// <summary>Separable linear interpolation over the 2 pixels around the point in each dim.</summary>
    Linear,
    /// <summary>Separable cubic convolution (Keys, a = −0.75) over the 4 pixels around the point in each dim.</summary>
    Cubic,
}

/// <summary>What a <see cref="GridSampler"/> reads at pixel positions outside the image.</summary>
internal enum SamplePadding
{
    /// <summary>Zero.</summary>
    Zeros,
    /// <summary>The nearest border pixel.</summary>
    Border,
    /// <summary>The image reflected at its borders (repeatedly, for points far outside).</summary>
    Reflection,
}

/// <summary>Samples one N-d image (a channel, row-major over <c>dims</c>) at continuous pixel coordinates, with
/// the interpolation and padding rules of ONNX GridSample (which follow PyTorch's <c>grid_sample</c>).
/// <see cref="MoveTo"/> resolves a point into a short list of (flat offset, weight) taps once; <see cref="Sample"/>
/// then reads any number of channels of the same shape at that point. Not thread-safe: one instance per loop.</summary>
internal sealed class GridSampler
{
    /// <summary>Keeps coordinates far outside the image from overflowing the tap indices; any point beyond this
    /// has all its taps outside the image, or was already brought inside by the padding rule.</summary>
    private const double CoordinateLimit = 1e9;

    private readonly int[] _dims;
    private readonly int[] _strides;
    private readonly SampleInterpolation _interpolation;
    private readonly SamplePadding _padding;
    private readonly bool _alignCorners;
    private readonly int _tapsPerDim;
    private readonly int[] _tapIndex;
    private readonly double[] _tapWeight;
    private int[] _offsets, _nextOffsets;
    private double[] _weights, _nextWeights;
    private int _count;

    public GridSampler(int[] dims, SampleInterpolation interpolation, SamplePadding padding, bool alignCorners)
    {
        _dims = dims;
        _strides = Core.ShapeMath.Strides(dims);
        _interpolation = interpolation;
        _padding = padding;
        _alignCorners = alignCorners;
        _tapsPerDim = interpolation switch { SampleInterpolation.Nearest => 1, SampleInterpolation.Linear => 2, _ => 4 };
        _tapIndex = new int[dims.Length * _tapsPerDim];
        _tapWeight = new double[dims.Length * _tapsPerDim];
        int maxTaps = 1;
        for (int d = 0; d < dims.Length; d++) maxTaps *= _tapsPerDim;
        _offsets = new int[maxTaps];
        _nextOffsets = new int[maxTaps];
        _weights = new double[maxTaps];
        _nextWeights = new double[maxTaps];
    }

    public int Rank => _dims.Length;

    /// <summary>The pixel coordinate along dim <paramref name="d"/> of the normalized coordinate
    /// <paramref name="n"/> (−1 and 1 are the centres of the edge pixels with <c>align_corners</c>, else their outer edges).</summary>
    public double Denormalize(double n, int d) =>
        _alignCorners ? (n + 1) / 2 * (_dims[d] - 1) : ((n + 1) * _dims[d] - 1) / 2;

    /// <summary>Sets the point, in pixel coordinates (outermost dim first), that the following <see cref="Sample"/>
    /// calls read.</summary>
    public void MoveTo(ReadOnlySpan<double> point)
    {
        for (int d = 0; d < _dims.Length; d++) ResolveDim(d, point[d]);
        _offsets[0] = 0;
        _weights[0] = 1;
        _count = 1;
        for (int d = 0; d < _dims.Length; d++)
        {
            int n = 0;
            for (int i = 0; i < _count; i++)
            {
                for (int k = 0; k < _tapsPerDim; k++)
                {
                    int idx = _tapIndex[d * _tapsPerDim + k];
                    if (idx < 0) continue; // outside the image with zero padding: contributes nothing
                    _nextOffsets[n] = _offsets[i] + idx * _strides[d];
                    _nextWeights[n] = _weights[i] * _tapWeight[d * _tapsPerDim + k];
                    n++;
                }
            }
            (_offsets, _nextOffsets) = (_nextOffsets, _offsets);
            (_weights, _nextWeights) = (_nextWeights, _weights);
            _count = n;
        }
    }

    /// <summary>The value of <paramref name="image"/> (one channel) at the current point.</summary>
    public double Sample(ReadOnlySpan<double> image)
    {
        double sum = 0;
        for (int i = 0; i < _count; i++) sum += _weights[i] * image[_offsets[i]];
        return sum;
    }

    /// <summary>Fills the taps of dim <paramref name="d"/> for coordinate <paramref name="x"/>.</summary>
    private void ResolveDim(int d, double x)
    {
        int size = _dims[d];
        // Borders of the sampled region: pixel centres with align_corners, else pixel edges.
        double lo = _alignCorners ? 0 : -0.5, hi = _alignCorners ? size - 1 : size - 0.5;
        if (_interpolation == SampleInterpolation.Nearest) x = Math.Round(x, MidpointRounding.ToEven);
        if (x < lo || x > hi)
        {
            if (_padding == SamplePadding.Border) x = Math.Clamp(x, 0, size - 1);
            else if (_padding == SamplePadding.Reflection) x = Reflect(x, lo, hi);
        }
        x = Math.Clamp(x, -CoordinateLimit, CoordinateLimit);
        int at = d * _tapsPerDim;
        switch (_interpolation)
        {
            case SampleInterpolation.Nearest:
                _tapIndex[at] = MapIndex((int)x, size, lo, hi);
                _tapWeight[at] = 1;
                break;
            case SampleInterpolation.Linear:
            {
                double floor = Math.Floor(x), t = x - floor;
                int i0 = (int)floor;
                _tapIndex[at] = MapIndex(i0, size, lo, hi);
                _tapIndex[at + 1] = MapIndex(i0 + 1, size, lo, hi);
                _tapWeight[at] = 1 - t;
                _tapWeight[at + 1] = t;
                break;
            }
            default:
            {
                double floor = Math.Floor(x), t = x - floor;
                int i0 = (int)floor;
                for (int k = 0; k < 4; k++) _tapIndex[at + k] = MapIndex(i0 - 1 + k, size, lo, hi);
                CubicWeights(t, _tapWeight.AsSpan(at, 4));
                break;
            }
        }
    }

    /// <summary>The pixel read for integer position <paramref name="i"/>, or −1 for zero padding.</summary>
    private int MapIndex(int i, int size, double lo, double hi)
    {
        if (i >= 0 && i < size) return i;
        return _padding switch
        {
            SamplePadding.Zeros => -1,
            SamplePadding.Border => Math.Clamp(i, 0, size - 1),
            _ => Math.Clamp((int)Reflect(i, lo, hi), 0, size - 1),
        };
    }

    /// <summary>Reflects <paramref name="x"/> at the borders <paramref name="lo"/> and <paramref name="hi"/> until it
    /// lies between them.</summary>
    internal static double Reflect(double x, double lo, double hi)
    {
        double range = hi - lo;
        if (range <= 0) return lo;
        if (x < lo)
        {
            double dx = lo - x, n = Math.Floor(dx / range), r = dx - n * range;
            return n % 2 == 0 ? lo + r : hi - r;
        }
        if (x > hi)
        {
            double dx = x - hi, n = Math.Floor(dx / range), r = dx - n * range;
            return n % 2 == 0 ? hi - r : lo + r;
        }
        return x;
    }

    /// <summary>Weights of the pixels at offsets −1, 0, 1, 2 from the floor of a point whose fractional part is
    /// <paramref name="t"/>, for cubic convolution with a = −0.75.</summary>
    internal static void CubicWeights(double t, Span<double> w)
    {
        const double a = -0.75;
        static double Near(double s) => ((a + 2) * s - (a + 3)) * s * s + 1;         // |s| <= 1
        static double Far(double s) => ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;    // 1 < |s| < 2
        w[0] = Far(t + 1);
        w[1] = Near(t);
        w[2] = Near(1 - t);
        w[3] = Far(2 - t);
    }
}
