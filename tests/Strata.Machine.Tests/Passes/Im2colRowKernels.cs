using Strata.Core;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

/// <summary>Machine kernels shaped like an im2col K row, shared by the tests of the passes that rewrite its digit
/// divisions (CountDivisions, SplitDigitLoops).</summary>
internal static class Im2colRowKernels
{
    /// <summary>Values each iteration stores: its digits and k itself.</summary>
    private const int PerIteration = 5;

    /// <summary>Iterations whose values fit the output.</summary>
    public const int MaxIterations = 64;

    /// <summary>An im2col K row's digits over k ∈ [lower, upper): <c>k / c1</c>, <c>(k / c2) mod c3</c> (through a
    /// copy of the quotient), <c>k mod c2</c>, <c>(k / c2) / c3</c>, and k itself, stored per iteration.</summary>
    public static string Text(long lower, long upper, long step, long c1, long c2, long c3) => $$"""
        machine.kernel @k target(scalar) (%o: ptr<i64>[{{PerIteration * MaxIterations}}] output)
            programs(1) {
          %c0 = const 0 : i64
          %lo = const {{lower}} : i64
          %hi = const {{upper}} : i64
          %ca = const {{c1}} : i64
          %cb = const {{c2}} : i64
          %cc = const {{c3}} : i64
          %c5 = const {{PerIteration}} : i64
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

    /// <summary>A loop over 147 = 7·21 whose loads are indexed by <c>k mod 7</c> and <c>k / 7</c> and whose store by k:
    /// every access is provably in bounds before a rewrite, and must stay so after.</summary>
    public static MachineKernel RemainderAndQuotientAccesses() => MachineParser.Parse("""
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

    /// <summary>Asserts that <paramref name="pass"/> rewrites <see cref="RemainderAndQuotientAccesses"/> and that every
    /// access stays provably in bounds after it, as it was before.</summary>
    public static void AssertBoundsStayProven(Func<MachineKernel, MachineKernel> pass)
    {
        var k = RemainderAndQuotientAccesses();
        var rewritten = pass(k);
        Assert.NotSame(k, rewritten);
        Assert.Empty(BoundsAnalysis.Analyze(k).Unproven);
        Assert.Empty(BoundsAnalysis.Analyze(rewritten).Unproven);
    }

    /// <summary>What the kernel stores, run by the Machine interpreter.</summary>
    public static long[] Outputs(MachineKernel k)
    {
        var o = TensorFactory.Create(DataType.Int64, [PerIteration * MaxIterations]);
        MachineInterpreter.Run(k, [o]);
        return [.. o.ToArray().Cast<long>()];
    }
}
