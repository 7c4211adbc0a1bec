using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>LSTM with gates i (input), o (output), f (forget), c (cell), in that order in W, R and B, and
/// peepholes P = [Pi, Po, Pf]:
/// i = f(x Wi + h Ri + Pi ⊙ C + bi), f' = f(x Wf + h Rf + Pf ⊙ C + bf) (or 1 - i with input_forget),
/// c~ = g(x Wc + h Rc + bc), C' = f' ⊙ C + i ⊙ c~, o = f(x Wo + h Ro + Po ⊙ C' + bo), H = o ⊙ h(C').
/// f, g, h default to Sigmoid, Tanh, Tanh; clip bounds the gate activations' inputs.
/// Inputs: X, W, R, B, sequence_lens, initial_h, initial_c, P; outputs Y, Y_h, Y_c.</summary>
internal static class LstmOp
{
    public static OpSchema Schema { get; } = new("", "LSTM", c => RecurrentNet.Infer(c, 4), Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var net = RecurrentNet.Read(c, gates: 4, ["Sigmoid", "Tanh", "Tanh"]);
        var peepholes = new double[net.Directions * 3 * net.Hidden];
        if (c.OptionalInput(7) is { } p)
        {
            if (p.Length != peepholes.Length)
                throw c.Error(ErrorCode.ShapeMismatch, $"P has shape {ShapeMath.Format(p.Shape)}, expected [{net.Directions},{3 * net.Hidden}]");
            peepholes = TensorConvert.ToDoubles(p);
        }
        bool inputForget = c.Int("input_forget", 0) != 0;
        return net.Run((n, d, x, h, cell) => Step(n, d, x, h, cell, peepholes, inputForget), net.State(5), net.State(6));
    }

    private static void Step(RecurrentNet net, int d, ReadOnlySpan<double> x, Span<double> h, Span<double> cell,
        double[] peepholes, bool inputForget)
    {
        int hidden = net.Hidden;
        var pi = peepholes.AsSpan(d * 3 * hidden, hidden);
        var po = peepholes.AsSpan(d * 3 * hidden + hidden, hidden);
        var pf = peepholes.AsSpan(d * 3 * hidden + 2 * hidden, hidden);
        var f = net.Activations[d][0];
        var g = net.Activations[d][1];
        var hAct = net.Activations[d][2];
        Span<double> next = hidden <= 512 ? stackalloc double[hidden] : new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double c0 = cell[j];
            double input = f.Apply(net.Clamp(Pre(net, d, 0, j, x, h) + pi[j] * c0));
            double forget = inputForget ? 1 - input : f.Apply(net.Clamp(Pre(net, d, 2, j, x, h) + pf[j] * c0));
            double candidate = g.Apply(net.Clamp(Pre(net, d, 3, j, x, h)));
            double c1 = forget * c0 + input * candidate;
            double output = f.Apply(net.Clamp(Pre(net, d, 1, j, x, h) + po[j] * c1));
            cell[j] = c1;
            next[j] = output * hAct.Apply(c1);
        }
        next.CopyTo(h);
    }

    /// <summary>Pre-activation of gate <paramref name="gate"/> (0 i, 1 o, 2 f, 3 c) for hidden unit <paramref name="j"/>.</summary>
    private static double Pre(RecurrentNet net, int d, int gate, int j, ReadOnlySpan<double> x, ReadOnlySpan<double> h)
    {
        int row = gate * net.Hidden + j;
        return net.Gate(d, row, x, h) + net.InputBias(d, row) + net.RecurrenceBias(d, row);
    }
}
