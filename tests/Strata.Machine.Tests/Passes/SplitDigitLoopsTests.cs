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
