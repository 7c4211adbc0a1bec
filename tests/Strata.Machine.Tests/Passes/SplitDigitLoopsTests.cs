using CsCheck;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

public class SplitDigitLoopsTests
{
    /// <summary>An im2col K row's digits over k ∈ [lower, upper): <c>k / c1</c>, <c>(k / c2) mod c3</c> (through a
    /// copy of the quotient), <c>k mod c2</c>, <c>(k / c2) / c3</c>, and k itself, stored per iteration.</summary>
    private static string Im2colRow(long lower, long upper, long step, long c1, long c2, long c3) => $$"""
        machine.kernel @k target(scalar) (%o: ptr<i64>[{{5 * 64}}] output)
            programs(1) {
          %c0 = const 0 : i64
          %lo = const {{lower}} : i64
          %hi = const {{upper}} : i64
          %ca = const {{c1}} : i64
          %cb = const {{c2}} : i64
          %cc = const {{c3}} : i64
          %c5 = const 5 : i64
          %c1 = const 1 : i64
          %c2 = const 2 : i64
          %c3 = const 3 : i64
          %c4 = const 4 : i64
          %n = const 0 : i64
          loop %k = %lo to %hi step {{step}} {
            %ci = floordiv %k, %ca : i64
            %q = floordiv %k, %cb : i64
            %q2 = mov %q : i64
            %kh = mod %q2, %cc : i64
            %kw = mod %k, %cb : i64
            %hh = floordiv %q, %cc : i64
            %at = mul %n, %c5 : i64
            store %o[%at], %ci
            %at1 = add %at, %c1 : i64
            store %o[%at1], %kh
            %at2 = add %at, %c2 : i64
            store %o[%at2], %kw
            %at3 = add %at, %c3 : i64
            store %o[%at3], %hh
            %at4 = add %at, %c4 : i64
            store %o[%at4], %k
            %n = add %n, %c1 : i64
          }
        }
        """;

    [Fact]
    public void AnIm2colRowBecomesOneLoopPerDigit_WithNoDivisionLeft()
    {
        var k = MachineParser.Parse(Im2colRow(0, 27, 1, 9, 3, 3));
        var split = new SplitDigitLoops().Run(k);
        var ci = Assert.Single(split.Body.OfType<LoopStmt>());
        var kh = Assert.Single(ci.Body.OfType<LoopStmt>());
        var kw = Assert.Single(kh.Body.OfType<LoopStmt>());
        Assert.Empty(kw.Body.OfType<LoopStmt>());
        Assert.DoesNotContain(Flatten(split.Body), s => s is BinaryStmt { Op: BinaryOp.FloorDiv or BinaryOp.Mod });
        // ci's and kh's values do not vary in the kw loop: hoisted out of it.
        Assert.DoesNotContain(kw.Body, s => s.Dest?.Name is "ci" or "kh" or "hh");
        Assert.DoesNotContain(MachineVerifier.Diagnose(split), x => x.IsError);
        Assert.Equal(Outputs(k), Outputs(split));
    }

    /// <summary>Loops that do not start at 0, step by more than 1, or whose cut points do not divide one another and the
    /// extent stay as they are (CountDivisions may count them).</summary>
    [Fact]
    public void LoopsThatAreNotWholeDigitsStay()
    {
        foreach (var text in (string[])[Im2colRow(1, 28, 1, 9, 3, 3), Im2colRow(0, 27, 3, 9, 3, 3), Im2colRow(0, 28, 1, 9, 3, 3), Im2colRow(0, 60, 1, 10, 4, 3)])
        {
            var k = MachineParser.Parse(text);
            Assert.Same(k, new SplitDigitLoops().Run(k));
        }
    }

    /// <summary>The digit loops keep the bounds proof of accesses indexed by a digit and by k.</summary>
    [Fact]
    public void AccessesIndexedByDigitsStayProvenInBounds()
    {
        var k = MachineParser.Parse("""
            machine.kernel @k target(scalar) (%x: ptr<f32>[7], %y: ptr<f32>[21], %o: ptr<f32>[147] output)
                programs(1) {
              %c0 = const 0 : i64
              %c7 = const 7 : i64
              %c147 = const 147 : i64
              loop %k = %c0 to %c147 step 1 {
                %r = mod %k, %c7 : i64
                %q = floordiv %k, %c7 : i64
                %v = load %x[%r] : f32
                %w = load %y[%q] : f32
                %s = add %v, %w : f32
                store %o[%k], %s
              }
            }
            """);
        var split = new SplitDigitLoops().Run(k);
        Assert.NotSame(k, split);
        Assert.Empty(BoundsAnalysis.Analyze(k).Unproven);
        Assert.Empty(BoundsAnalysis.Analyze(split).Unproven);
    }

    /// <summary>Random extents and divisors (chains that split and ones that do not): the same digits, in the same order.</summary>
    [Fact]
    public void RandomLoops_StoreTheSameDigits() =>
        Gen.Select(Gen.Int[0, 2], Gen.Long[2, 5], Gen.Long[2, 5], Gen.Long[1, 4], Gen.Long[2, 9], Gen.Long[2, 9])
            .Sample(t =>
            {
                var (form, a, b, top, c1, c3) = t;
                // form 0: the chain c2 = a, c3 = b, c1 = a·b, extent a·b·top (splits); otherwise random divisors.
                long c2 = a, upper = form == 0 ? Math.Min(a * b * top, 64) : Math.Min(c1 * c3, 64);
                var k = MachineParser.Parse(form == 0 ? Im2colRow(0, upper, 1, a * b, a, b) : Im2colRow(0, upper, 1, c1, c2, c3));
                var split = new SplitDigitLoops().Run(k);
                Assert.DoesNotContain(MachineVerifier.Diagnose(split), x => x.IsError);
                Assert.Equal(Outputs(k), Outputs(split));
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

    private static long[] Outputs(MachineKernel k)
    {
        var o = TensorFactory.Create(DataType.Int64, [5 * 64]);
        MachineInterpreter.Run(k, [o]);
        return [.. o.ToArray().Cast<long>()];
    }
}
