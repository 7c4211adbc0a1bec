using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Multinomial: for each row of unnormalized log-probabilities [batch, classes], draws
/// <c>sample_size</c> class indices; output [batch, sample_size] of <c>dtype</c> (int32 by default, or int64).</summary>
internal static class MultinomialOp
{
    public static OpSchema Schema { get; } = new("", "Multinomial", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var dt = RandomSource.Dtype(c, DataType.Int32)!.Value;
        Dim batch = c.InputTensor(0)?.Shape is { Rank: 2 } s ? s[0] : Dim.Unknown;
        return [new TensorType(dt, Shape.Of([batch, Dim.Of(c.Node.GetInt("sample_size", 1))]))];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 2) throw c.Error(ErrorCode.InvalidShape, $"Multinomial takes [batch, classes], got {ShapeMath.Format(x.Shape)}");
        var dt = RandomSource.Dtype(c, DataType.Int32);
        if (dt is not (DataType.Int32 or DataType.Int64)) throw c.Error(ErrorCode.UnsupportedDataType, "Multinomial's dtype must be int32 or int64");
        int samples = (int)c.Int("sample_size", 1);
        int batch = x.Shape[0], classes = x.Shape[1];
        var logits = TensorConvert.ToDoubles(x);
        var random = RandomSource.For(c);
        var result = new double[batch * samples];
        var cumulative = new double[classes];
        for (int b = 0; b < batch; b++)
        {
            var row = logits.AsSpan(b * classes, classes);
            double max = double.NegativeInfinity, total = 0;
            foreach (var l in row) max = Math.Max(max, l);
            for (int k = 0; k < classes; k++) cumulative[k] = total += Math.Exp(row[k] - max);
            for (int s = 0; s < samples; s++)
            {
                double u = random.NextDouble() * total;
                int k = 0;
                while (k < classes - 1 && cumulative[k] <= u) k++;
                result[b * samples + s] = k;
            }
        }
        return [TensorConvert.FromDoubles(dt, result, [batch, samples])];
    }
}
