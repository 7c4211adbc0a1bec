using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>What RNN, GRU and LSTM share: reading X/W/R/B/sequence_lens/initial states in either layout
/// (0: [seq, batch, ...], 1: [batch, seq, ...]), running each direction over each batch entry for its own
/// sequence length (reverse directions start at the last valid step), and writing Y [seq, dirs, batch, hidden]
/// (layout 1: [batch, seq, dirs, hidden]) with zeros past each sequence's end, and the final states Y_h/Y_c
/// [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]). Arithmetic is done in double.</summary>
internal sealed class RecurrentNet
{
    /// <summary>One time step of one batch entry in direction <paramref name="dir"/>: reads x and the state,
    /// writes the new hidden state into <paramref name="h"/> (and cell state into <paramref name="cell"/>).</summary>
    public delegate void Step(RecurrentNet net, int dir, ReadOnlySpan<double> x, Span<double> h, Span<double> cell);

    private RecurrentNet() { }

    public required OpContext Context { get; init; }
    public required int SeqLength { get; init; }
    public required int Batch { get; init; }
    public required int InputSize { get; init; }
    public required int Hidden { get; init; }
    public required int Directions { get; init; }
    public required bool BatchFirst { get; init; }
    /// <summary>Input weights [dirs, gates*hidden, input].</summary>
    public required double[] W { get; init; }
    /// <summary>Recurrence weights [dirs, gates*hidden, hidden].</summary>
    public required double[] R { get; init; }
    /// <summary>Biases [dirs, 2*gates*hidden]: input biases of all gates, then recurrence biases.</summary>
    public required double[] B { get; init; }
    public required RecurrentActivation[][] Activations { get; init; }
    /// <summary>Bound applied to the inputs of the gate activations, or +inf.</summary>
    public required double Clip { get; init; }
    public required int Gates { get; init; }

    private double[] _x = [];
    private int[] _lengths = [];
    private bool[] _reverse = [];

    /// <summary>Reads the common inputs and attributes. Input order: X, W, R, B, sequence_lens, initial_h, ...</summary>
    public static RecurrentNet Read(OpContext c, int gates, string[] defaultActivations)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var r = c.Input(2);
        if (!x.DataType.IsFloatingPoint())
            throw c.Error(ErrorCode.TypeMismatch, $"X must be a floating-point tensor, got {x.DataType.ShortName()}");
        if (x.Rank != 3 || w.Rank != 3 || r.Rank != 3)
            throw c.Error(ErrorCode.InvalidShape, "X, W and R must have rank 3");
        bool batchFirst = c.Int("layout", 0) != 0;
        string direction = c.String("direction", "forward");
        int dirs = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw c.Error(ErrorCode.InvalidAttribute, $"unknown direction '{direction}'", "use forward, reverse or bidirectional"),
        };
        int seq = batchFirst ? x.Shape[1] : x.Shape[0];
        int batch = batchFirst ? x.Shape[0] : x.Shape[1];
        int input = x.Shape[2];
        int hidden = r.Shape[2];
        if (c.HasAttr("hidden_size") && c.Int("hidden_size", hidden) != hidden)
            throw c.Error(ErrorCode.ShapeMismatch, $"hidden_size is {c.Int("hidden_size", 0)} but R has hidden size {hidden}");
        if (w.Shape[0] != dirs || r.Shape[0] != dirs)
            throw c.Error(ErrorCode.ShapeMismatch, $"direction '{direction}' needs {dirs} direction(s) in W and R, got {w.Shape[0]} and {r.Shape[0]}");
        if (w.Shape[1] != gates * hidden || w.Shape[2] != input || r.Shape[1] != gates * hidden)
            throw c.Error(ErrorCode.ShapeMismatch,
                $"W {ShapeMath.Format(w.Shape)} and R {ShapeMath.Format(r.Shape)} do not fit {gates} gates of hidden size {hidden} and input size {input}");

        double[] b = new double[dirs * 2 * gates * hidden];
        if (c.OptionalInput(3) is { } bt)
        {
            if (bt.Length != b.Length) throw c.Error(ErrorCode.ShapeMismatch, $"B has shape {ShapeMath.Format(bt.Shape)}, expected [{dirs},{2 * gates * hidden}]");
            b = TensorConvert.ToDoubles(bt);
        }
        var lengths = new int[batch];
        Array.Fill(lengths, seq);
        if (c.OptionalInput(4) is { } lt)
        {
            var given = TensorConvert.ToInt64s(lt);
            if (given.Length != batch) throw c.Error(ErrorCode.ShapeMismatch, $"sequence_lens has {given.Length} entries for batch {batch}");
            for (int i = 0; i < batch; i++)
            {
                if (given[i] < 0 || given[i] > seq)
                    throw c.Error(ErrorCode.IndexOutOfRange, $"sequence_lens[{i}] = {given[i]} is outside [0, {seq}]");
                lengths[i] = (int)given[i];
            }
        }
        float clip = c.Float("clip", float.PositiveInfinity);
        var reverse = new bool[dirs];
        for (int d = 0; d < dirs; d++) reverse[d] = direction == "reverse" || d == 1;
        return new RecurrentNet
        {
            Context = c, SeqLength = seq, Batch = batch, InputSize = input, Hidden = hidden, Directions = dirs,
            BatchFirst = batchFirst, W = TensorConvert.ToDoubles(w), R = TensorConvert.ToDoubles(r), B = b,
            Activations = RecurrentActivation.Read(c, dirs, defaultActivations),
            Clip = clip > 0 ? clip : double.PositiveInfinity, Gates = gates,
            _x = TensorConvert.ToDoubles(x), _lengths = lengths, _reverse = reverse,
        };
    }

    /// <summary>An optional state input [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]) as layout-0 doubles; zeros if absent.</summary>
    public double[] State(int input)
    {
        var result = new double[Directions * Batch * Hidden];
        if (Context.OptionalInput(input) is not { } t) return result;
        if (t.Length != result.Length)
            throw Context.Error(ErrorCode.ShapeMismatch, $"initial state input {input} has shape {ShapeMath.Format(t.Shape)}, expected {Directions * Batch * Hidden} elements");
        var v = TensorConvert.ToDoubles(t);
        for (int d = 0; d < Directions; d++)
            for (int b = 0; b < Batch; b++)
                Array.Copy(v, StateOffset(d, b), result, (d * Batch + b) * Hidden, Hidden);
        return result;
    }

    private int StateOffset(int d, int b) => (BatchFirst ? b * Directions + d : d * Batch + b) * Hidden;

    private int YOffset(int t, int d, int b) => (BatchFirst ? (b * SeqLength + t) * Directions + d : (t * Directions + d) * Batch + b) * Hidden;

    public double Clamp(double v) => Math.Clamp(v, -Clip, Clip);

    /// <summary>Row <paramref name="row"/> of direction <paramref name="dir"/>'s W times x plus that of R times h.</summary>
    public double Gate(int dir, int row, ReadOnlySpan<double> x, ReadOnlySpan<double> h) => InputDot(dir, row, x) + RecurrenceDot(dir, row, h);

    /// <summary>Row <paramref name="row"/> of direction <paramref name="dir"/>'s W times x.</summary>
    public double InputDot(int dir, int row, ReadOnlySpan<double> x)
    {
        var w = W.AsSpan((dir * Gates * Hidden + row) * InputSize, InputSize);
        double s = 0;
        for (int i = 0; i < w.Length; i++) s += w[i] * x[i];
        return s;
    }

    /// <summary>Row <paramref name="row"/> of direction <paramref name="dir"/>'s R times v.</summary>
    public double RecurrenceDot(int dir, int row, ReadOnlySpan<double> v)
    {
        var r = R.AsSpan((dir * Gates * Hidden + row) * Hidden, Hidden);
        double s = 0;
        for (int i = 0; i < r.Length; i++) s += r[i] * v[i];
        return s;
    }

    public double InputBias(int dir, int row) => B[dir * 2 * Gates * Hidden + row];
    public double RecurrenceBias(int dir, int row) => B[dir * 2 * Gates * Hidden + Gates * Hidden + row];

    /// <summary>Runs every direction over every batch entry and builds the outputs (Y, Y_h, and Y_c if
    /// <paramref name="initialCell"/> is given); entries for outputs the node does not request are null.</summary>
    public RuntimeValue?[] Run(Step step, double[] initialH, double[]? initialCell)
    {
        var dt = Context.Input(0).DataType;
        var y = new double[SeqLength * Directions * Batch * Hidden];
        var yh = new double[Directions * Batch * Hidden];
        var yc = new double[Directions * Batch * Hidden];
        var h = new double[Hidden];
        var cell = new double[initialCell is null ? 0 : Hidden];
        for (int d = 0; d < Directions; d++)
            for (int b = 0; b < Batch; b++)
            {
                int state = (d * Batch + b) * Hidden;
                initialH.AsSpan(state, Hidden).CopyTo(h);
                initialCell?.AsSpan(state, Hidden).CopyTo(cell);
                int length = _lengths[b];
                for (int s = 0; s < length; s++)
                {
                    int t = _reverse[d] ? length - 1 - s : s;
                    int xOffset = (BatchFirst ? b * SeqLength + t : t * Batch + b) * InputSize;
                    step(this, d, _x.AsSpan(xOffset, InputSize), h, cell);
                    h.CopyTo(y.AsSpan(YOffset(t, d, b), Hidden));
                }
                h.CopyTo(yh.AsSpan(StateOffset(d, b), Hidden));
                cell.CopyTo(yc.AsSpan(StateOffset(d, b), Hidden));
            }
        var result = new RuntimeValue?[Context.OutputCount];
        int[] yShape = BatchFirst ? [Batch, SeqLength, Directions, Hidden] : [SeqLength, Directions, Batch, Hidden];
        int[] stateShape = BatchFirst ? [Batch, Directions, Hidden] : [Directions, Batch, Hidden];
        if (Context.HasOutput(0)) result[0] = TensorConvert.FromDoubles(dt, y, yShape);
        if (Context.HasOutput(1)) result[1] = TensorConvert.FromDoubles(dt, yh, stateShape);
        if (initialCell is not null && Context.HasOutput(2)) result[2] = TensorConvert.FromDoubles(dt, yc, stateShape);
        return result;
    }

    /// <summary>Output types: Y, Y_h (and Y_c) from X's element type and the known dims.</summary>
    public static Core.ValueType?[] Infer(InferenceContext c, int gates)
    {
        var types = new Core.ValueType?[c.Node.Outputs.Length];
        if (c.InputElementType(0) is not { } et) return types;
        var x = c.InputTensor(0)?.Shape;
        var r = c.InputTensor(2)?.Shape;
        bool batchFirst = c.Node.GetInt("layout", 0) != 0;
        Dim dirs = c.Node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
        Dim seq = Dim.Unknown, batch = Dim.Unknown, hidden = Dim.Unknown;
        if (x is { Rank: 3 }) { seq = batchFirst ? x[1] : x[0]; batch = batchFirst ? x[0] : x[1]; }
        if (r is { Rank: 3 }) hidden = r[2];
        else if (c.Node.Attr("hidden_size") is { } hs) hidden = hs.AsInt();
        Dim[] yDims = batchFirst ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
        Dim[] stateDims = batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden];
        for (int i = 0; i < types.Length; i++)
            types[i] = new TensorType(et, Shape.Of(i == 0 ? yDims : stateDims));
        return types;
    }
}
