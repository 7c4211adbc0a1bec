using CsCheck;
using Strata.Conformance;
using Strata.Core;

namespace Strata.Runtime.Tests;

/// <summary>Grouped convs lower as one dot per group block (Tile GroupWidth): K blocks that divide a group's input
/// channels (136 whole, not 128 + 8), plane blocks of whole vectors that divide the merged oh·ow (784 = 7 · 112), or a
/// plain 64 with a masked tail where neither exists. Random groups, channels and planes, on every Machine target (the
/// Machine interpreter) and natively, against the Graph interpreter.</summary>
public class GroupedConvTests
{
    [Theory]
    [InlineData(4, 136, 136, 7, 7, 1, "block.ci = 136")]    // shufflenet's late groups: K whole
    [InlineData(4, 34, 34, 28, 28, 1, "block.oh_ow = 112")] // its 28×28 groups: 7 column blocks of 112
    [InlineData(3, 20, 12, 12, 20, 1, "block.oh_ow = 80")]  // 240 = 3 · 80
    [InlineData(2, 140, 8, 5, 9, 3, null)]                  // a 3×3 grouped conv: K = 140 whole, kh and kw around the dot
    public void MatchesTheReference(int groups, int cinPerGroup, int coutPerGroup, int h, int w, int k, string? config)
    {
        foreach (var target in Target.Known)
            Check(groups, cinPerGroup, coutPerGroup, h, w, k, seed: 7, ExecutionLevel.Machine, target, config);
        Check(groups, cinPerGroup, coutPerGroup, h, w, k, seed: 7, ExecutionLevel.Native, null, config);
    }

    [Fact]
    public void RandomGroupedConvsMatchTheReferenceOnEveryTarget() =>
        Gen.Select(Gen.Int[2, 4], Gen.Int[1, 140], Gen.Int[1, 24], Gen.Int[3, 20], Gen.Int[3, 20], Gen.Int[0, 3], Gen.Int[0, 1000])
            .Sample(t =>
            {
                var (groups, cin, cout, h, w, kind, seed) = t;
                int k = kind == 3 ? 3 : 1;
                foreach (var target in Target.Known)
                    Check(groups, cin, cout, h, w, k, seed, ExecutionLevel.Machine, target, null);
                Check(groups, cin, cout, h, w, k, seed, ExecutionLevel.Native, null, null);
            }, iter: 6);

    /// <summary>The random case that failed a fixed 1e-5 absolute tolerance (<see cref="SumTolerance"/>): 1098-term
    /// sums, one output 2.8e-4 and 1.03e-5 off the reference on avx512.</summary>
    [Fact]
    public void LongSumsNearZeroAreWithinTheirTolerance() =>
        Check(3, 122, 23, 12, 10, 3, seed: 298, ExecutionLevel.Machine, Target.X86Avx512, null);

    private static void Check(int groups, int cinPerGroup, int coutPerGroup, int h, int w, int k, int seed, ExecutionLevel level,
        Target? target, string? config) =>
        ConvReluCheck.Run(groups, cinPerGroup, coutPerGroup, h, w, k, seed, level, target, config, SumTolerance.For((long)cinPerGroup * k * k));
}
