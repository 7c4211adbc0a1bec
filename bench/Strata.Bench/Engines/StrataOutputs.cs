using Strata.Core;

namespace Strata.Bench.Engines;

/// <summary>Strata's outputs (named RuntimeValues) as fp32 arrays in graph output order.</summary>
internal static class StrataOutputs
{
    public static IReadOnlyList<OutputTensor> Read(IReadOnlyList<string> names, IReadOnlyDictionary<string, RuntimeValue?> values)
    {
        var list = new List<OutputTensor>(names.Count);
        foreach (var name in names)
        {
            if (!values.TryGetValue(name, out var v) || v is not Tensor t)
                throw new StrataException(ErrorCode.EvaluationFailed, $"Strata produced no tensor for output '{name}'",
                    "the benchmark compares tensor outputs");
            if (t is not Tensor<float> f)
                throw new StrataException(ErrorCode.UnsupportedDataType, $"output '{name}' is {t.DataType}, the benchmark compares fp32 outputs",
                    "benchmark models with fp32 outputs");
            list.Add(new OutputTensor(name, (int[])f.Shape.Clone(), f.ToArray()));
        }
        return list;
    }
}
