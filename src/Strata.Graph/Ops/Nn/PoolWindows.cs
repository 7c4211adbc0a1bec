using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>The taps of each pooling window: for an output position, the flat offsets (within one image
/// channel) of the window positions that fall inside the input, and how many fall inside the input plus its
/// padding (the divisor of AveragePool with <c>count_include_pad</c>).</summary>
internal sealed class PoolWindows
{
    private readonly WindowGeometry _g;
    private readonly int[][] _lo, _hi, _padded;
    private readonly int[] _inStrides;

    public PoolWindows(WindowGeometry g)
    {
        _g = g;
        int nd = g.Rank;
        _lo = new int[nd][];
        _hi = new int[nd][];
        _padded = new int[nd][];
        for (int d = 0; d < nd; d++)
        {
            int k = g.Kernel[d], s = g.Strides[d], dil = g.Dilations[d], input = g.Input[d];
            int outSize = g.Output[d];
            _lo[d] = new int[outSize];
            _hi[d] = new int[outSize];
            _padded[d] = new int[outSize];
            for (int o = 0; o < outSize; o++)
            {
                int start = o * s - g.PadBegin[d];
                int lo = start >= 0 ? 0 : CeilDiv(-start, dil);
                int hi = input - 1 - start < 0 ? 0 : (input - 1 - start) / dil + 1;
                lo = Math.Min(lo, k);
                hi = Math.Clamp(hi, lo, k);
                _lo[d][o] = lo;
                _hi[d][o] = hi;
                int limit = input + g.PadEnd[d] - start;
                _padded[d][o] = limit <= 0 ? 0 : Math.Min(k, CeilDiv(limit, dil));
            }
        }
        _inStrides = ShapeMath.Strides(g.Input);
        InputSize = ShapeMath.Size(g.Input);
        OutputSize = ShapeMath.Size(g.Output);
        MaxTaps = ShapeMath.Size(g.Kernel);
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int MaxTaps { get; }

    /// <summary>Writes the offsets of the in-input taps of output position <paramref name="outFlat"/>; returns their
    /// count. <paramref name="padded"/> is the number of taps inside the input and its padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Taps(int outFlat, Span<int> offsets, Span<int> coords, out int padded)
    {
        int nd = _g.Rank;
        padded = 1;
        int rem = outFlat;
        for (int d = nd - 1; d >= 0; d--)
        {
            coords[d] = rem % _g.Output[d];
            rem /= _g.Output[d];
            padded *= _padded[d][coords[d]];
        }
        int count = 1;
        for (int d = 0; d < nd; d++) count *= _hi[d][coords[d]] - _lo[d][coords[d]];
        if (count == 0) return 0;
        if (nd == 2)
        {
            // The common image case without the general odometer.
            int oy = coords[0], ox = coords[1];
            int baseY = oy * _g.Strides[0] - _g.PadBegin[0], baseX = ox * _g.Strides[1] - _g.PadBegin[1];
            int dy = _g.Dilations[0], dx = _g.Dilations[1], rowStride = _inStrides[0];
            int x0 = _lo[1][ox], x1 = _hi[1][ox];
            int k = 0;
            for (int jy = _lo[0][oy]; jy < _hi[0][oy]; jy++)
            {
                int row = (baseY + jy * dy) * rowStride + baseX;
                for (int jx = x0; jx < x1; jx++) offsets[k++] = row + jx * dx;
            }
            return k;
        }
        // Odometer over the taps, last dim fastest.
        Span<int> j = stackalloc int[nd];
        int n = 0;
        for (int d = 0; d < nd; d++) j[d] = _lo[d][coords[d]];
        while (true)
        {
            int off = 0;
            for (int d = 0; d < nd; d++)
                off += (coords[d] * _g.Strides[d] - _g.PadBegin[d] + j[d] * _g.Dilations[d]) * _inStrides[d];
            offsets[n++] = off;
            int dd = nd - 1;
            while (dd >= 0)
            {
                if (++j[dd] < _hi[dd][coords[dd]]) break;
                j[dd] = _lo[dd][coords[dd]];
                dd--;
            }
            if (dd < 0) break;
        }
        return n;
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
