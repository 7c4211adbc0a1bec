using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Bernoulli: 1 with probability p (the input element), else 0, in <c>dtype</c> (default the input's type).</summary>
internal static class BernoulliOp
{
    public static OpSchema Schema { get; } = new("", "Bernoulli",
        c => [RandomSource.Dtype(c, c.InputElementType(0)) is { } et ? new TensorType(et, c.InputTensor(0)?.Shape) : null],
        Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var p = c.Input(0);
        var dt = RandomSource.Dtype(c, p.DataType);
        var random = RandomSource.For(c);
        var v = TensorConvert.ToDoubles(p);
        for (int i = 0; i < v.Length; i++)
        {
            if (!(v[i] >= 0 && v[i] <= 1)) throw c.Error(ErrorCode.InvalidArgument, $"probability {v[i]} is outside [0, 1]");
            v[i] = random.NextDouble() < v[i] ? 1 : 0;
        }
        return [TensorConvert.FromDoubles(dt, v, p.Shape)];
    }
}
