using CsCheck;
using Strata.Conformance;
using Strata.Core;

namespace Strata.Runtime.Tests;

/// <summary>Channels-as-columns 3×3 convs on small planes (rows of at most 8 positions) whose weight block is beyond L2
/// stack all their output rows into one dot even where that leaves 2 programs (224 channels on 7×7 as 2 · 112
/// columns): on every Machine target (the Machine interpreter) and natively, against the Graph interpreter.</summary>
public class ShortRowStackConvTests
{
    [Theory]
    [InlineData(224, 224, 7, 7, "block.oh = 7")]
    [InlineData(160, 224, 6, 6, "block.oh = 6")]
    public void MatchesTheReference(int cin, int cout, int h, int w, string config)
    {
        foreach (var target in Target.Known)
            Check(cin, cout, h, w, seed: 11, ExecutionLevel.Machine, target, config);
        Check(cin, cout, h, w, seed: 11, ExecutionLevel.Native, null, config);
    }

    [Fact]
    public void RandomShortRowConvsMatchTheReference() =>
        Gen.Select(Gen.Int[120, 260], Gen.Int[6, 16], Gen.Int[4, 8], Gen.Int[0, 1000])
            .Sample((cin, coutVectors, hw, seed) =>
            {
                Check(cin, 16 * coutVectors, hw, hw, seed, ExecutionLevel.Machine, Target.Known[^1], null);
                Check(cin, 16 * coutVectors, hw, hw, seed, ExecutionLevel.Native, null, null);
            }, iter: 4);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    private static void Check(int cin, int cout, int h, int w, int seed, ExecutionLevel level, Target? target, string? config) =>
        ConvReluCheck.Run(1, cin, cout, h, w, 3, seed, level, target, config, Tolerance);
}
