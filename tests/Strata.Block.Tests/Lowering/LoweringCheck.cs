using Strata.Block.Text;
using Strata.Block.Verification;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Text;

namespace Strata.Block.Tests.Lowering;

/// <summary>Runs a Tile kernel by the Tile interpreter and, lowered under a config, by the Block interpreter (program
/// instances shuffled, races checked), and compares the outputs.</summary>
public static class LoweringCheck
{
    public static TileKernel Parse(string text) => TileParser.ParseKernel(text);

    /// <summary>Random inputs: floats in [-2, 2] (with <paramref name="specials"/>, some NaN, ±inf and repeated values),
    /// integers in [-5, 5] (bool: 0/1).</summary>
    public static Tensor[] RandomInputs(TileKernel kernel, int seed, bool specials = false)
    {
        var rng = new Random(seed);
        return [.. kernel.Inputs.Select(b =>
        {
            var t = TensorFactory.Create(b.ElementType, b.Shape.Select(d => (int)d).ToArray());
            for (int i = 0; i < t.Length; i++)
            {
                Scalar v;
                if (ScalarSemantics.IsFloat(b.ElementType))
                {
                    double x = Math.Round(rng.NextDouble() * 4 - 2, specials ? 0 : 6);
                    if (specials)
                        x = rng.Next(12) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.NegativeInfinity, _ => x };
                    v = Scalar.Float(x);
                }
                else v = Scalar.Int(b.ElementType == DataType.Bool ? rng.Next(2) : rng.Next(-5, 6));
                ScalarSemantics.Write(t, i, ScalarSemantics.Normalize(v, b.ElementType));
            }
            return t;
        })];
    }

    /// <summary>Lowers under <paramref name="config"/>, checks the Block text round-trips, runs both levels and
    /// compares (floats within <paramref name="tolerance"/> relative + absolute, NaN equal to NaN).</summary>
    public static BlockKernel Check(TileKernel kernel, Config config, Tensor[] inputs, double tolerance = 1e-5, int seed = 0)
    {
        var expected = TileInterpreter.Run(kernel, inputs);
        BlockKernel lowered;
        try { lowered = TileToBlock.Lower(kernel, config); }
        catch (Exception e) { throw new Xunit.Sdk.XunitException($"lowering @{kernel.Name} under {config} failed: {e}"); }
        var text = BlockPrinter.Print(lowered);
        var errors = BlockVerifier.Diagnose(lowered).Where(d => d.IsError).ToList();
        Assert.True(errors.Count == 0, $"@{kernel.Name} under {config} does not verify:\n{string.Join("\n", errors)}\n{text}");
        Assert.Equal(text, BlockPrinter.Print(BlockParser.Parse(text)));
        IReadOnlyList<Tensor> actual;
        try { actual = BlockInterpreter.Call(lowered, inputs, new BlockRunOptions(ProgramOrder.Shuffled, seed)); }
        catch (Exception e) { throw new Xunit.Sdk.XunitException($"running @{kernel.Name} under {config} failed: {e}\n{text}"); }
        Assert.Equal(expected.Length, actual.Count);
        for (int o = 0; o < expected.Length; o++)
            if (Compare(expected[o], actual[o], tolerance) is { } diff)
                Assert.Fail($"@{kernel.Name} under {config}: output {o} {diff}\n{text}");
        return lowered;
    }

    public static string? Compare(Tensor expected, Tensor actual, double tolerance)
    {
        if (expected.DataType != actual.DataType || !expected.Shape.SequenceEqual(actual.Shape))
            return $"is a {actual}, expected a {expected}";
        bool isFloat = ScalarSemantics.IsFloat(expected.DataType);
        for (int i = 0; i < expected.Length; i++)
        {
            var e = ScalarSemantics.Read(expected, i);
            var a = ScalarSemantics.Read(actual, i);
            bool same = isFloat
                ? (double.IsNaN(e.F) && double.IsNaN(a.F)) || e.F == a.F || Math.Abs(e.F - a.F) <= tolerance * (1 + Math.Abs(e.F))
                : e.I == a.I;
            if (!same) return $"differs at flat index {i}: expected {(isFloat ? e.F : e.I)}, got {(isFloat ? a.F : a.I)}";
        }
        return null;
    }
}
