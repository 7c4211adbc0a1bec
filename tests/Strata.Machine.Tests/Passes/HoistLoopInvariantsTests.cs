using Strata.Block;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

public class HoistLoopInvariantsTests
{
    private const string Head = "machine.kernel @k target(scalar) (%x: ptr<f32>[64], %o: ptr<f32>[64] output)\n    programs(2) {\n";

    private static string Run(string body) => MachinePrinter.Print(new HoistLoopInvariants().Run(MachineParser.Parse(Head + body + "}\n")));

    [Fact]
    public void MovesIndexChainsOutOfEachLoopTheyDoNotVaryIn_KeepsWhatVariesOrIsReassigned()
    {
        var text = Run("""
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %c8 = const 8 : i64
              %p = program_id 0 : i64
              %acc = const 0.0 : f32
              loop %r = %c0 to %c4 step 1 {
                loop %j = %c0 to %c8 step 1 {
                  %c32 = const 32 : i64
                  %base = mul %p, %c32 : i64
                  %row = mul %r, %c8 : i64
                  %ix = add %base, %row : i64
                  %at = add %ix, %j : i64
                  %v = load %x[%at] : f32
                  %acc = add %acc, %v : f32
                  %k = add %acc, %v : f32
                  store %o[%at], %k
                }
              }
            """);
        var expected = MachinePrinter.Print(MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %c8 = const 8 : i64
              %p = program_id 0 : i64
              %acc = const 0.0 : f32
              %c32 = const 32 : i64
              %base = mul %p, %c32 : i64
              loop %r = %c0 to %c4 step 1 {
                %row = mul %r, %c8 : i64
                %ix = add %base, %row : i64
                loop %j = %c0 to %c8 step 1 {
                  %at = add %ix, %j : i64
                  %v = load %x[%at] : f32
                  %acc = add %acc, %v : f32
                  %k = add %acc, %v : f32
                  store %o[%at], %k
                }
              }
            }
            """));
        Assert.Equal(expected, text);
    }

    /// <summary>A channel's scalar (an SE block's <c>sigmoid(s[c])</c>) leaves the loops over its row's vectors: the load
    /// of memory the kernel never stores to, out of loops with constant bounds that run, and the float math on it.</summary>
    [Fact]
    public void AReadOnlyScalarAndItsFloatMathLeaveLoopsThatRun()
    {
        var text = Run("""
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %c8 = const 8 : i64
              loop %r = %c0 to %c4 step 1 {
                loop %j = %c0 to %c8 step 1 {
                  %s = load %x[%r] : f32
                  %g = sigmoid %s : f32
                  %t = mul %g, %g : f32
                  %row = mul %r, %c8 : i64
                  %at = add %row, %j : i64
                  store %o[%at], %t
                }
              }
            """);
        var expected = MachinePrinter.Print(MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %c8 = const 8 : i64
              loop %r = %c0 to %c4 step 1 {
                %s = load %x[%r] : f32
                %g = sigmoid %s : f32
                %t = mul %g, %g : f32
                %row = mul %r, %c8 : i64
                loop %j = %c0 to %c8 step 1 {
                  %at = add %row, %j : i64
                  store %o[%at], %t
                }
              }
            }
            """));
        Assert.Equal(expected, text);
    }

    /// <summary>A load stays where the loop may not run (bounds not constant, or empty) or its memory is stored to in
    /// the kernel.</summary>
    [Fact]
    public void ALoadStaysInALoopThatMayNotRunOrOfMemoryTheKernelWrites()
    {
        var k = MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %p = program_id 0 : i64
              loop %i = %c0 to %p step 1 {
                %s = load %x[%c0] : f32
                store %o[%i], %s
              }
              loop %i2 = %c4 to %c0 step 1 {
                %s2 = load %x[%c4] : f32
                store %o[%i2], %s2
              }
              loop %i3 = %c0 to %c4 step 1 {
                %s3 = load %o[%c0] : f32
                store %o[%i3], %s3
              }
            }
            """);
        Assert.Same(k, new HoistLoopInvariants().Run(k));
    }

    [Fact]
    public void ARegisterAssignedTwiceOrADivisionStays()
    {
        var k = MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c1 = const 1 : i64
              %c4 = const 4 : i64
              %n = const 0 : i64
              loop %i = %c0 to %c4 step 1 {
                %n = add %c4, %c1 : i64
                %q = div %c4, %c0 : i64
                %v = load %x[%q] : f32
                store %o[%i], %v
              }
              store %o[%n], %v
            }
            """);
        Assert.Same(k, new HoistLoopInvariants().Run(k));
    }

    /// <summary>A division by a constant above 0 assigned once cannot trap: it moves (an im2col row's k / 9).</summary>
    [Fact]
    public void ADivisionByAPositiveConstantMoves()
    {
        var k = MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %c9 = const 9 : i64
              %m = const 5 : i64
              loop %i = %c0 to %c4 step 1 {
                %q = floordiv %m, %c9 : i64
                %r = mod %m, %c9 : i64
                %v = load %x[%q] : f32
                store %o[%i], %v
              }
            }
            """);
        var hoisted = new HoistLoopInvariants().Run(k);
        var loop = Assert.Single(hoisted.Body.OfType<LoopStmt>());
        Assert.DoesNotContain(loop.Body, s => s is BinaryStmt);
    }

    /// <summary>On random kernels (registers reassigned in loops and ifs) the result verifies and computes the same
    /// outputs, bit for bit, in the interpreter.</summary>
    [Fact]
    public void RandomKernels_KeepTheirOutputs()
    {
        int moved = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var k = RandomMachineKernels.Kernel(new Random(seed), statements: 30);
            var h = new HoistLoopInvariants().Run(k);
            Assert.DoesNotContain(MachineVerifier.Diagnose(h), x => x.IsError);
            if (!ReferenceEquals(h, k)) moved++;
            var before = Arguments(k, seed);
            var after = Arguments(k, seed);
            MachineInterpreter.Run(k, before);
            MachineInterpreter.Run(h, after);
            for (int i = 0; i < before.Length; i++)
                if (k.Params[i].Role == ParamRole.Output)
                    Assert.True(before[i].ToArray().Cast<object>().SequenceEqual(after[i].ToArray().Cast<object>()), $"seed {seed}: %{k.Params[i].Name} differs\n{MachinePrinter.Print(k)}");
        }
        Assert.True(moved >= 5, $"only {moved} of 200 kernels had something to move");
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
