using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>GRU with gates z (update), r (reset), h (hidden), in that order in W, R and B:
/// z = f(x Wz + h Rz + Wbz + Rbz), r = f(x Wr + h Rr + Wbr + Rbr),
/// h~ = g(x Wh + (r ⊙ h) Rh + Rbh + Wbh), or with linear_before_reset g(x Wh + r ⊙ (h Rh + Rbh) + Wbh),
/// H = (1 - z) ⊙ h~ + z ⊙ h. f, g default to Sigmoid, Tanh.</summary>
internal static class GruOp
{
    public static OpSchema Schema { get; } = new("", "GRU", c => RecurrentNet.Infer(c, 3), Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var net = RecurrentNet.Read(c, gates: 3, ["Sigmoid", "Tanh"]);
        bool linearBeforeReset = c.Int("linear_before_reset", 0) != 0;
        return net.Run((n, d, x, h, cell) => Step(n, d, x, h, linearBeforeReset), net.State(5), null);
    }

    private static void Step(RecurrentNet net, int d, ReadOnlySpan<double> x, Span<double> h, bool linearBeforeReset)
    {
        int hidden = net.Hidden;
        Span<double> z = hidden <= 256 ? stackalloc double[hidden] : new double[hidden];
        Span<double> rh = hidden <= 256 ? stackalloc double[hidden] : new double[hidden];
        var f = net.Activations[d][0];
        var g = net.Activations[d][1];
        for (int j = 0; j < hidden; j++)
        {
            z[j] = f.Apply(net.Clamp(net.Gate(d, j, x, h) + net.InputBias(d, j) + net.RecurrenceBias(d, j)));
            double r = f.Apply(net.Clamp(net.Gate(d, hidden + j, x, h) + net.InputBias(d, hidden + j) + net.RecurrenceBias(d, hidden + j)));
            // Without linear_before_reset the reset gate multiplies h before R; keep r ⊙ h (or r itself) for the next pass.
            rh[j] = linearBeforeReset ? r : r * h[j];
        }
        Span<double> next = hidden <= 256 ? stackalloc double[hidden] : new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            int row = 2 * hidden + j;
            double pre = linearBeforeReset
                ? net.InputDot(d, row, x) + rh[j] * (net.RecurrenceDot(d, row, h) + net.RecurrenceBias(d, row)) + net.InputBias(d, row)
                : net.InputDot(d, row, x) + net.RecurrenceDot(d, row, rh) + net.RecurrenceBias(d, row) + net.InputBias(d, row);
            double candidate = g.Apply(net.Clamp(pre));
            next[j] = (1 - z[j]) * candidate + z[j] * h[j];
        }
        next.CopyTo(h);
    }
}
