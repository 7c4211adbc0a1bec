using CsCheck;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

public class CountDivisionsTests
{
    [Fact]
    public void TheDigitsOfAnIm2colRowAreCounters_NoDivisionIsLeftInTheLoop()
    {
        var k = MachineParser.Parse(Im2colRowKernels.Text(0, 27, 1, 9, 3, 3));
        var counted = new CountDivisions().Run(k);
        var loop = Assert.Single(counted.Body.OfType<LoopStmt>());
        Assert.DoesNotContain(loop.Body, s => s is BinaryStmt { Op: BinaryOp.FloorDiv or BinaryOp.Mod });
        Assert.Contains(loop.Body, s => s is MoveStmt { Target.Name: "kw" });
        Assert.DoesNotContain(MachineVerifier.Diagnose(counted), x => x.IsError);
        Assert.Equal(Im2colRowKernels.Outputs(k), Im2colRowKernels.Outputs(counted));
    }

    /// <summary>A step above the divisor (more than one wrap per iteration), a division of a value that does not step
    /// (loaded, reassigned), by a register that is not a positive constant or by one assigned in the loop stays a
    /// division.</summary>
    [Fact]
    public void WhatDoesNotStepByAtMostTheDivisorStays()
    {
        var big = MachineParser.Parse(Im2colRowKernels.Text(0, 27, 5, 4, 4, 3));
        Assert.Same(big, new CountDivisions().Run(big));
        var k = MachineParser.Parse("""
            machine.kernel @k target(scalar) (%x: ptr<i64>[8], %o: ptr<i64>[8] output)
                programs(1) {
              %c0 = const 0 : i64
              %c8 = const 8 : i64
              %m = const -3 : i64
              loop %i = %c0 to %c8 step 1 {
                %c5 = const 5 : i64
                %d = floordiv %i, %c5 : i64
                store %o[%d], %c0
                %v = load %x[%i] : i64
                %a = floordiv %v, %c8 : i64
                %b = mod %i, %m : i64
                %j = add %i, %c0 : i64
                %j = add %j, %c8 : i64
                %c = mod %j, %c8 : i64
                %s = add %a, %b : i64
                %s = add %s, %c : i64
                store %o[%i], %s
              }
            }
            """);
        Assert.Same(k, new CountDivisions().Run(k));
    }

    /// <summary>The counters keep the bounds proof of an access indexed by a remainder or a quotient.</summary>
    [Fact]
    public void AnAccessIndexedByACounterStaysProvenInBounds() =>
        Im2colRowKernels.AssertBoundsStayProven(k => new CountDivisions().Run(k));

    /// <summary>Random loop bounds (negative starts too), steps and divisors: the counted kernel stores the same digits.</summary>
    [Fact]
    public void RandomLoops_StoreTheSameDigits() =>
        Gen.Select(Gen.Long[-20, 20], Gen.Long[0, 60], Gen.Long[1, 4], Gen.Long[1, 9], Gen.Long[1, 9], Gen.Long[1, 5])
            .Sample(t =>
            {
                var (lower, length, step, c1, c2, c3) = t;
                var k = MachineParser.Parse(Im2colRowKernels.Text(lower, lower + Math.Min(length, (Im2colRowKernels.MaxIterations - 1) * step), step, Math.Max(c1, step), Math.Max(c2, step), c3));
                var counted = new CountDivisions().Run(k);
                Assert.DoesNotContain(MachineVerifier.Diagnose(counted), x => x.IsError);
                Assert.Equal(Im2colRowKernels.Outputs(k), Im2colRowKernels.Outputs(counted));
            }, iter: 200);
}
