using Strata.Core;

namespace Strata.Block.Tests.Passes;

/// <summary>Runs two kernels with the same parameters on the same random inputs and asserts they store the same
/// outputs (bit for bit: a pass must not even change rounding).</summary>
public static class PassSemantics
{
    public static void AssertSameResults(BlockKernel before, BlockKernel after, int seed)
    {
        Assert.Equal(before.Params, after.Params);
        var inputs = RandomInputs(before, seed);
        var expected = BlockInterpreter.Call(before, inputs);
        var actual = BlockInterpreter.Call(after, inputs);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(TensorConvert.ToDoubles(expected[i]), TensorConvert.ToDoubles(actual[i]));
    }

    public static List<Tensor> RandomInputs(BlockKernel kernel, int seed)
    {
        var random = new Random(seed);
        var inputs = new List<Tensor>();
        foreach (var p in kernel.Params.Where(p => p.Role == ParamRole.Input))
        {
            var shape = p.Shape.Select(d => (int)d).ToArray();
            var values = new double[ShapeMath.Size(shape)];
            for (int i = 0; i < values.Length; i++)
                values[i] = p.Element == DataType.Bool ? random.Next(2) : p.Element.IsFloatingPoint() ? random.NextDouble() * 4 - 2 : random.Next(-50, 50);
            inputs.Add(TensorConvert.FromDoubles(p.Element, values, shape));
        }
        return inputs;
    }
}
