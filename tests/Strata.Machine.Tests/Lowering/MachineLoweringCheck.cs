using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;
using Strata.Tile.Text;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Lowers a Tile kernel to Block under a config and on to Machine for a target, runs the Block interpreter and
/// the Machine interpreter (instances shuffled, races checked) on the same inputs and compares. The Machine level may
/// round differently only where it fuses a·b+c into one FMA (dots) or sums a reduction's lanes apart before across, so
/// floats compare within a small tolerance scaled by the largest magnitude of the output or the inputs; integers and
/// bools exactly.</summary>
public static class MachineLoweringCheck
{
    public static TileKernel Parse(string text) => TileParser.ParseKernel(text);

    /// <summary>Floats in [-2, 2] (6 decimals; with <paramref name="specials"/> also NaN and ±inf), integers in [-5, 5].</summary>
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
                    if (specials) x = rng.Next(12) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.NegativeInfinity, _ => x };
                    v = Scalar.Float(x);
                }
                else v = Scalar.Int(b.ElementType == DataType.Bool ? rng.Next(2) : rng.Next(-5, 6));
                ScalarSemantics.Write(t, i, ScalarSemantics.Normalize(v, b.ElementType));
            }
            return t;
        })];
    }

    /// <summary>Lowers, checks the Machine text round-trips, runs both levels and compares; returns the Machine kernel.</summary>
    public static MachineKernel Check(BlockKernel block, Config config, Target target, IReadOnlyList<Tensor> inputs, int seed = 0,
        MachineLoweringOptions? options = null)
    {
        var expected = BlockInterpreter.Call(block, inputs);
        MachineKernel machine;
        try { machine = BlockToMachine.Lower(block, config, target, options); }
        catch (Exception e) { throw new Xunit.Sdk.XunitException($"lowering @{block.Name} for {target} under {config} failed: {e}"); }
        var text = MachinePrinter.Print(machine);
        var errors = MachineVerifier.Diagnose(machine).Where(d => d.IsError).ToList();
        Assert.True(errors.Count == 0, $"@{block.Name} for {target} under {config} does not verify:\n{string.Join("\n", errors)}\n{text}");
        Assert.Equal(text, MachinePrinter.Print(MachineParser.Parse(text)));
        IReadOnlyList<Tensor> actual;
        try { actual = MachineInterpreter.Call(machine, inputs, new MachineRunOptions(ProgramOrder.Shuffled, seed)); }
        catch (Exception e) { throw new Xunit.Sdk.XunitException($"running @{block.Name} for {target} under {config} failed: {e}\n{text}"); }
        for (int o = 0; o < expected.Count; o++)
            if (Compare(expected[o], actual[o], InputMagnitude(inputs)) is { } diff)
                Assert.Fail($"@{block.Name} for {target} under {config}: output {o} {diff}\n{text}");
        return machine;
    }

    public static MachineKernel Check(TileKernel kernel, Config config, Target target, IReadOnlyList<Tensor> inputs, int seed = 0) =>
        Check(TileToBlock.Lower(kernel, config), config, target, inputs, seed);

    /// <summary>Also compares the Machine interpreter's outputs with the Tile interpreter's (the level above Block, for
    /// lowerings that Block already shares); returns the Machine kernel.</summary>
    public static MachineKernel CheckAgainstTile(TileKernel kernel, Config config, Target target, int seed, MachineLoweringOptions? options = null)
    {
        var inputs = RandomInputs(kernel, seed);
        var expected = TileInterpreter.Run(kernel, inputs);
        var machine = Check(TileToBlock.Lower(kernel, config), config, target, inputs, seed, options);
        var actual = MachineInterpreter.Call(machine, inputs);
        for (int o = 0; o < expected.Length; o++)
            if (Compare(expected[o], actual[o]) is { } diff)
                Assert.Fail($"@{kernel.Name} for {target} under {config}: output {o} {diff}");
        return machine;
    }

    /// <summary>Checks <paramref name="kernel"/> under its default config on every known target, on random inputs from
    /// <paramref name="seed"/>.</summary>
    public static void CheckDefaultOnEveryTarget(TileKernel kernel, int seed)
    {
        var config = KnobSpace.For(kernel).Default();
        var inputs = RandomInputs(kernel, seed);
        var block = TileToBlock.Lower(kernel, config);
        foreach (var target in Target.Known) Check(block, config, target, inputs, seed);
    }

    /// <summary>Checks <paramref name="kernel"/> under its default config and <paramref name="randomConfigs"/> random ones
    /// (drawn from <paramref name="seed"/>) on every known target, on random inputs from <paramref name="seed"/>.</summary>
    public static void CheckConfigsOnEveryTarget(TileKernel kernel, int seed, int randomConfigs)
    {
        var space = KnobSpace.For(kernel);
        var rng = new Random(seed);
        var inputs = RandomInputs(kernel, seed);
        foreach (var config in new[] { space.Default() }.Concat(Enumerable.Range(0, randomConfigs).Select(_ => space.Random(rng))))
        {
            var block = TileToBlock.Lower(kernel, config);
            foreach (var target in Target.Known) Check(block, config, target, inputs, seed);
        }
    }

    /// <summary>The largest finite magnitude of the float inputs: a reduction the Machine level reassociates (lanes summed
    /// apart, then across) rounds relative to its terms, not to its result, which cancellation can make far smaller
    /// (a sum of 35 terms in [-2, 2] came to -0.022, 4.8e-7 from the Block interpreter's order).</summary>
    public static double InputMagnitude(IReadOnlyList<Tensor> inputs)
    {
        double m = 0;
        foreach (var t in inputs.Where(t => ScalarSemantics.IsFloat(t.DataType)))
            for (int i = 0; i < t.Length; i++)
                if (ScalarSemantics.Read(t, i).F is var v && double.IsFinite(v)) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>Null when equal: integers exactly, floats within 1e-5 (f64: 1e-12) of the larger of the output's largest
    /// magnitude and <paramref name="termScale"/> (the inputs' largest, <see cref="InputMagnitude"/>), NaN equal to NaN.</summary>
    public static string? Compare(Tensor expected, Tensor actual, double termScale = 0)
    {
        if (expected.DataType != actual.DataType || !expected.Shape.SequenceEqual(actual.Shape)) return $"is a {actual}, expected a {expected}";
        var t = expected.DataType;
        bool isFloat = ScalarSemantics.IsFloat(t);
        double rtol = t switch { DataType.Float64 => 1e-12, DataType.Float32 => 1e-5, DataType.Float16 => 4e-3, _ => 3e-2 };
        double scale = termScale;
        if (isFloat)
            for (int i = 0; i < expected.Length; i++)
                if (double.IsFinite(ScalarSemantics.Read(expected, i).F)) scale = Math.Max(scale, Math.Abs(ScalarSemantics.Read(expected, i).F));
        for (int i = 0; i < expected.Length; i++)
        {
            var e = ScalarSemantics.Read(expected, i);
            var a = ScalarSemantics.Read(actual, i);
            bool same = isFloat
                ? (double.IsNaN(e.F) && double.IsNaN(a.F)) || e.F == a.F || Math.Abs(e.F - a.F) <= rtol * (Math.Abs(e.F) + scale)
                : e.I == a.I;
            if (!same) return $"differs at flat index {i}: expected {(isFloat ? e.F : e.I)}, got {(isFloat ? a.F : a.I)}";
        }
        return null;
    }
}
