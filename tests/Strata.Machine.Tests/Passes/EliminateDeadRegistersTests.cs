using Strata.Block;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

public class EliminateDeadRegistersTests
{
    private const string Head = "machine.kernel @k target(scalar) (%x: ptr<f32>[4], %o: ptr<f32>[1] output)\n    programs(1) {\n";

    private static string Run(string body) => MachinePrinter.Print(new EliminateDeadRegisters().Run(MachineParser.Parse(Head + body + "}\n")));

    [Fact]
    public void DropsDeadChainsAndEmptyLoops_KeepsLoopCarriedValuesAndStores()
    {
        var text = Run("""
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %acc = const 0.0 : f32
              %dead = const 7 : i64
              %dead2 = add %dead, %dead : i64
              loop %i = %c0 to %c4 step 1 {
                %v = load %x[%i] : f32
                %acc = add %acc, %v : f32
                %unused = mul %v, %v : f32
              }
              loop %j = %c0 to %c4 step 1 {
                %w = load %x[%j] : f32
              }
              store %o[%c0], %acc
            """);
        var expected = MachinePrinter.Print(MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %acc = const 0.0 : f32
              loop %i = %c0 to %c4 step 1 {
                %v = load %x[%i] : f32
                %acc = add %acc, %v : f32
              }
              store %o[%c0], %acc
            }
            """));
        Assert.Equal(expected, text);
    }

    [Fact]
    public void AKernelWithNothingDeadIsReturnedAsIs()
    {
        var k = MachineParser.Parse(Head + "  %c0 = const 0 : i64\n  %v = load %x[%c0] : f32\n  store %o[%c0], %v\n}\n");
        Assert.Same(k, new EliminateDeadRegisters().Run(k));
    }

    /// <summary>On random kernels (mutable registers reassigned in loops and ifs) the result verifies and computes the
    /// same outputs, bit for bit, in the interpreter; and the pass does drop something in many of them.</summary>
    [Fact]
    public void RandomKernels_KeepTheirOutputs()
    {
        int shrunk = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var k = RandomMachineKernels.Kernel(new Random(seed), statements: 30);
            var d = new EliminateDeadRegisters().Run(k);
            Assert.DoesNotContain(MachineVerifier.Diagnose(d), x => x.IsError);
            if (!ReferenceEquals(d, k)) shrunk++;
            var before = Arguments(k, seed);
            var after = Arguments(k, seed);
            MachineInterpreter.Run(k, before);
            MachineInterpreter.Run(d, after);
            for (int i = 0; i < before.Length; i++)
                if (k.Params[i].Role == ParamRole.Output)
                    Assert.True(before[i].ToArray().Cast<object>().SequenceEqual(after[i].ToArray().Cast<object>()), $"seed {seed}: %{k.Params[i].Name} differs\n{MachinePrinter.Print(k)}");
        }
        Assert.True(shrunk >= 20, $"only {shrunk} of 200 kernels had dead registers");
    }

    private static Tensor[] Arguments(MachineKernel k, int seed)
    {
        var r = new Random(seed);
        return [.. k.Params.Select(p =>
        {
            var t = TensorFactory.Create(p.Element, [.. p.Shape.Select(d => (int)d)]);
            if (p.Role == ParamRole.Input)
                for (int i = 0; i < t.Length; i++) ScalarSemantics.Write(t, i, RandomMachineKernels.Value(r, p.Element));
            return t;
        })];
    }
}
