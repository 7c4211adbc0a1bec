using Strata.Machine.Passes;
using Strata.Machine.Text;

namespace Strata.Machine.Tests.Passes;

public class ReuseScalarIndicesTests
{
    private const string Head = "machine.kernel @k target(scalar) (%x: ptr<f32>[64], %o: ptr<f32>[64] output)\n    programs(2) {\n";

    /// <summary>The same quotient, and a chain over it, computed twice in one loop body: the second copies the first.</summary>
    [Fact]
    public void ARepeatedIndexValueIsAMove()
    {
        var k = MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %c9 = const 9 : i64
              loop %i = %c0 to %c4 step 1 {
                %q = floordiv %i, %c9 : i64
                %a = add %q, %i : i64
                %q2 = floordiv %i, %c9 : i64
                %a2 = add %q2, %i : i64
                %v = load %x[%a] : f32
                store %o[%a2], %v
              }
            }
            """);
        var text = MachinePrinter.Print(new ReuseScalarIndices().Run(k));
        Assert.Contains("%q2 = mov %q", text);
        Assert.Contains("%a2 = mov %a", text);
    }

    /// <summary>A register assigned twice is no value to reuse, and a value computed inside a loop is not reused after it.</summary>
    [Fact]
    public void ReassignedOrOutOfScopeValuesStay()
    {
        var k = MachineParser.Parse(Head + """
              %c0 = const 0 : i64
              %c4 = const 4 : i64
              %n = const 1 : i64
              %a = add %n, %c4 : i64
              %n = const 2 : i64
              %b = add %n, %c4 : i64
              loop %i = %c0 to %c4 step 1 {
                %d = add %c4, %c4 : i64
                store %o[%d], %c0
              }
              %e = add %c4, %c4 : i64
              %v = load %x[%a] : f32
              store %o[%b], %v
              store %o[%e], %v
            }
            """);
        Assert.Same(k, new ReuseScalarIndices().Run(k));
    }
}
