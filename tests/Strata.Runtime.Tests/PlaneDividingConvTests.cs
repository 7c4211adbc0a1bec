using CsCheck;
using Strata.Conformance;
using Strata.Core;

namespace Strata.Runtime.Tests;

/// <summary>1×1 convs on planes larger than the GEMM default keeps whole take a column block of whole vectors that
/// divides the merged oh·ow (784 = 7 · 112, not 12 · 64 + 16): B read in place, no masked tail block. On every Machine
/// target (the Machine interpreter) and natively, against the Graph interpreter; each case asserts the dividing block,
/// so the tests fail where the default goes back to 64.</summary>
public class PlaneDividingConvTests
{
    [Theory]
    [InlineData(192, 64, 28, 28, "block.oh_ow = 112")]
    [InlineData(40, 24, 20, 20, "block.oh_ow = 80")]
    [InlineData(13, 7, 18, 24, "block.oh_ow = 48")]
    public void MatchesTheReference(int cin, int cout, int h, int w, string config)
    {
        foreach (var target in Target.Known)
            Check(cin, cout, h, w, seed: 7, ExecutionLevel.Machine, target, config);
        Check(cin, cout, h, w, seed: 7, ExecutionLevel.Native, null, config);
    }

    /// <summary>Random channels and planes of 21–40 whole vectors that 64 does not divide (so the old default masked a
    /// tail block), each with a whole-vector divisor between 32 and 128 (the planes are 16 · q, q odd and not prime).
    /// At least 8 output channels: a conv with one (CI seed cxZDiiKL1Xw1: 34→1 on 35×16) takes the direct row form
    /// (vector = ow), not the GEMM shape the rule is about.</summary>
    [Fact]
    public void RandomPlanesMatchTheReference() =>
        Gen.Select(Gen.Int[1, 80], Gen.Int[8, 40], Gen.Int[0, Planes.Length - 1], Gen.Int[0, 1000])
            .Sample((cin, cout, pick, seed) =>
            {
                int q = Planes[pick];
                int h = q, w = 16;
                long block = Enumerable.Range(2, 7).Select(v => 16L * v).Last(v => 16 * q % v == 0);
                string config = $"block.oh_ow = {block}";
                foreach (var target in Target.Known)
                    Check(cin, cout, h, w, seed, ExecutionLevel.Machine, target, config);
                Check(cin, cout, h, w, seed, ExecutionLevel.Native, null, config);
            }, iter: 4);

    private static readonly int[] Planes = [21, 25, 27, 33, 35, 39];

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    private static void Check(int cin, int cout, int h, int w, int seed, ExecutionLevel level, Target? target, string? config) =>
        ConvReluCheck.Run(1, cin, cout, h, w, 1, seed, level, target, config, Tolerance);
}
