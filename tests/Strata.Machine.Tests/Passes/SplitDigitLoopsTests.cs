using CsCheck;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

public class SplitDigitLoopsTests
{
    [Fact]
    public void AnIm2colRowBecomesOneLoopPerDigit_WithNoDivisionLeft()
    {
        var k = MachineParser.Parse(Im2colRowKernels.Text(0, 27, 1, 9, 3, 3));
        var split = new SplitDigitLoops().Run(k);
        var ci = Assert.Single(split.Body.OfType<LoopStmt>());
        var kh = Assert.Single(ci.Body.OfType<LoopStmt>());
        var kw = Assert.Single(kh.Body.OfType<LoopStmt>());
        Assert.Empty(kw.Body.OfType<LoopStmt>());
        Assert.DoesNotContain(Flatten(split.Body), s => s is BinaryStmt { Op: BinaryOp.FloorDiv or BinaryOp.Mod });
        // ci's and kh's values do not vary in the kw loop: hoisted out of it.
        Assert.DoesNotContain(kw.Body, s => s.Dest?.Name is "ci" or "kh" or "hh");
        Assert.DoesNotContain(MachineVerifier.Diagnose(split), x => x.IsError);
        Assert.Equal(Im2colRowKernels.Outputs(k), Im2colRowKernels.Outputs(split));
    }

    /// <summary>Loops that do not start at 0, step by more than 1, or whose cut points do not divide one another and the
    /// extent stay as they are (CountDivisions may count them).</summary>
    [Fact]
    public void LoopsThatAreNotWholeDigitsStay()
    {
        foreach (var text in (string[])[Im2colRowKernels.Text(1, 28, 1, 9, 3, 3), Im2colRowKernels.Text(0, 27, 3, 9, 3, 3), Im2colRowKernels.Text(0, 28, 1, 9, 3, 3), Im2colRowKernels.Text(0, 60, 1, 10, 4, 3)])
        {
            var k = MachineParser.Parse(text);
            Assert.Same(k, new SplitDigitLoops().Run(k));
        }
    }

    /// <summary>The digit loops keep the bounds proof of accesses indexed by a digit and by k.</summary>
    [Fact]
    public void AccessesIndexedByDigitsStayProvenInBounds() =>
        Im2colRowKernels.AssertBoundsStayProven(k => new SplitDigitLoops().Run(k));

    /// <summary>Random extents and divisors (chains that split and ones that do not): the same digits, in the same order.</summary>
    [Fact]
    public void RandomLoops_StoreTheSameDigits() =>
        Gen.Select(Gen.Int[0, 2], Gen.Long[2, 5], Gen.Long[2, 5], Gen.Long[1, 4], Gen.Long[2, 9], Gen.Long[2, 9])
            .Sample(t =>
            {
                var (form, a, b, top, c1, c3) = t;
                // form 0: the chain c2 = a, c3 = b, c1 = a·b, extent a·b·top (splits); otherwise random divisors.
                long c2 = a, upper = form == 0 ? Math.Min(a * b * top, Im2colRowKernels.MaxIterations) : Math.Min(c1 * c3, Im2colRowKernels.MaxIterations);
                var k = MachineParser.Parse(form == 0 ? Im2colRowKernels.Text(0, upper, 1, a * b, a, b) : Im2colRowKernels.Text(0, upper, 1, c1, c2, c3));
                var split = new SplitDigitLoops().Run(k);
                Assert.DoesNotContain(MachineVerifier.Diagnose(split), x => x.IsError);
                Assert.Equal(Im2colRowKernels.Outputs(k), Im2colRowKernels.Outputs(split));
            }, iter: 300);

    /// <summary>A stride-2 tap read from a parity-split row (Tile pass SplitColumnParity): <c>kw = k mod c2</c> halved,
    /// <c>kw mod 2</c> and <c>kw div 2</c>, whose cut point 2 does not divide c2 = 7. The loop still splits by its whole
    /// digits (ci, kh, kw), the halving stays a division of the kw loop's counter, and the stored values are the same.
    /// Before this rule any non-chaining division kept the loop whole.</summary>
    [Theory]
    [InlineData(147, 49, 7, 7)]
    [InlineData(75, 25, 5, 5)]
    [InlineData(27, 9, 3, 3)]
    [InlineData(64, 16, 4, 4)]   // 2 divides 4: the halving is a digit of its own
    public void AHalvedDigitStaysADivisionOfItsLoop(long extent, long c1, long c2, long c3)
    {
        var k = MachineParser.Parse(HalvedTapText(extent, c1, c2, c3, "kw"));
        var split = new SplitDigitLoops().Run(k);
        Assert.NotSame(k, split);
        Assert.Single(split.Body.OfType<LoopStmt>());
        Assert.DoesNotContain(MachineVerifier.Diagnose(split), x => x.IsError);
        Assert.Equal(HalvedTapOutputs(k, extent), HalvedTapOutputs(split, extent));
        // CountDivisions then steps the halving by counters: the same values still.
        var counted = new CountDivisions().Run(split);
        Assert.Equal(HalvedTapOutputs(k, extent), HalvedTapOutputs(counted, extent));
    }

    /// <summary>A non-chaining division of k itself (not of one digit) keeps the loop whole.</summary>
    [Fact]
    public void ANonChainingDivisionOfKKeepsTheLoopWhole()
    {
        var k = MachineParser.Parse(HalvedTapText(147, 49, 7, 7, "k"));
        Assert.Same(k, new SplitDigitLoops().Run(k));
    }

    private static string HalvedTapText(long extent, long c1, long c2, long c3, string halved) => $$"""
        machine.kernel @k target(scalar) (%o: ptr<i64>[{{5 * extent}}] output)
            programs(1) {
          %c0 = const 0 : i64
          %hi = const {{extent}} : i64
          %ca = const {{c1}} : i64
          %cb = const {{c2}} : i64
          %cc = const {{c3}} : i64
          %c1 = const 1 : i64
          %c2 = const 2 : i64
          %c3 = const 3 : i64
          %c4 = const 4 : i64
          %c5 = const 5 : i64
          loop %k = %c0 to %hi step 1 {
            %ci = floordiv %k, %ca : i64
            %q = floordiv %k, %cb : i64
            %kh = mod %q, %cc : i64
            %kw = mod %k, %cb : i64
            %kw2 = mov %kw : i64
            %par = mod %kw2, %c2 : i64
            %hw = floordiv %{{halved}}, %c2 : i64
            %at = mul %k, %c5 : i64
            store %o[%at], %ci
            %at1 = add %at, %c1 : i64
            store %o[%at1], %kh
            %at2 = add %at, %c2 : i64
            store %o[%at2], %kw
            %at3 = add %at, %c3 : i64
            store %o[%at3], %par
            %at4 = add %at, %c4 : i64
            store %o[%at4], %hw
          }
        }
        """;

    private static long[] HalvedTapOutputs(MachineKernel k, long extent)
    {
        var o = TensorFactory.Create(DataType.Int64, [(int)(5 * extent)]);
        MachineInterpreter.Run(k, [o]);
        return [.. o.ToArray().Cast<long>()];
    }

    private static IEnumerable<MStmt> Flatten(IEnumerable<MStmt> stmts)
    {
        foreach (var s in stmts)
        {
            yield return s;
            if (s is LoopStmt l) foreach (var t in Flatten(l.Body)) yield return t;
            if (s is IfStmt i) foreach (var t in Flatten(i.Then).Concat(Flatten(i.Else))) yield return t;
        }
    }
}
