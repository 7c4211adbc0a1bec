using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Tests;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

/// <summary>Native against the Machine interpreter on kernels nobody wrote by hand: random well-typed kernels (every
/// statement kind, mutable registers in loops and ifs, awkward values), random out-of-bounds-prone kernels (both must
/// fail, or both agree), and the Block→Machine lowering's golden kernels (softmax, gather, matmul, tails).</summary>
public class DifferentialTests
{
    private static Tensor[] RandomInputs(MachineKernel k, Random r) =>
        k.Params.Where(p => p.Role == ParamRole.Input).Select(p =>
        {
            var t = TensorFactory.Create(p.Element, p.Shape.Select(d => (int)d).ToArray());
            for (int i = 0; i < t.Length; i++) Tile.ScalarSemantics.Write(t, i, RandomMachineKernels.Value(r, p.Element));
            return t;
        }).ToArray();

    private static void Compare(MachineKernel k, int seed, NativeCompileOptions? options = null)
    {
        try { NativeHarness.AssertMatchesInterpreter(k, RandomInputs(k, new Random(seed)), options); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{MachinePrinter.Print(k)}");
        }
    }

    [Fact]
    public void RandomKernelsMatchTheInterpreter()
    {
        Gen.Int.Sample(seed =>
        {
            var r = new Random(seed);
            var k = RandomMachineKernels.Kernel(r, statements: 40);
            if (!NativeHarness.Backend.CanRun(k.Target)) return;
            Compare(k, seed);
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void RandomOutOfBoundsKernelsFailCleanlyOrMatch()
    {
        Gen.Int.Sample(seed =>
        {
            var k = RandomMachineKernels.WildKernel(new Random(seed), statements: 30);
            if (!NativeHarness.Backend.CanRun(k.Target)) return;
            var inputs = RandomInputs(k, new Random(seed));
            Exception? expected = null;
            // Races are the interpreter's extra check, not a native failure: both run instances in row-major order.
            try { MachineInterpreter.Call(k, inputs.Select(t => t.Clone()).ToList(), new MachineRunOptions(CheckRaces: false)); }
            catch (StrataException e) { expected = e; }
            foreach (var options in new[] { NativeCompileOptions.Default, new NativeCompileOptions(Checked: true) })
            {
                if (expected is null) NativeHarness.AssertMatchesInterpreter(k, inputs, options, checkRaces: false);
                else
                {
                    StrataException? e = null;
                    try { NativeHarness.Call(k, inputs, options); }
                    catch (StrataException x) { e = x; }
                    Assert.True(e is not null, $"the interpreter failed ({expected.Message}) but native code ran\n{MachinePrinter.Print(k)}");
                    Assert.True(e.Code is ErrorCode.EvaluationFailed or ErrorCode.VerificationFailed, e.ToString());
                }
            }
        }, iter: 150, threads: 1);
    }

    public static TheoryData<string> GoldenLowered => new(Directory.GetFiles(GoldenDirectory(), "*.strata").Select(Path.GetFileName).Order()!);

    private static string GoldenDirectory() => Path.Combine(AppContext.BaseDirectory, "../../../../Strata.Machine.Tests/golden/lower");

    [Theory, MemberData(nameof(GoldenLowered))]
    public void LoweredGoldenKernelsMatchTheInterpreter(string file)
    {
        var k = MachineParser.Parse(File.ReadAllText(Path.Combine(GoldenDirectory(), file)));
        for (int seed = 0; seed < 3; seed++) Compare(k, seed);
    }
}
