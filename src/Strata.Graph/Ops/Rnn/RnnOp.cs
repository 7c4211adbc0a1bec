using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>RNN (simple recurrent net): H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb), f defaulting to Tanh.</summary>
internal static class RnnOp
{
    public static OpSchema Schema { get; } = new("", "RNN", c => RecurrentNet.Infer(c, 1), Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var net = RecurrentNet.Read(c, gates: 1, ["Tanh"]);
        return net.Run(Step, net.State(5), null);
    }

    private static void Step(RecurrentNet net, int d, ReadOnlySpan<double> x, Span<double> h, Span<double> cell)
    {
        int hidden = net.Hidden;
        Span<double> next = hidden <= 512 ? stackalloc double[hidden] : new double[hidden];
        var f = net.Activations[d][0];
        for (int j = 0; j < hidden; j++)
            next[j] = f.Apply(net.Clamp(net.Gate(d, j, x, h) + net.InputBias(d, j) + net.RecurrenceBias(d, j)));
        next.CopyTo(h);
    }
}
