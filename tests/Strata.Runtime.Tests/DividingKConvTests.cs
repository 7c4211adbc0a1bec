using CsCheck;
using Strata.Conformance;
using Strata.Core;

namespace Strata.Runtime.Tests;

/// <summary>Plain convs on large planes whose ci 128 does not divide take a K block that divides ci (160 whole, 300 as
/// 2 · 150, 137 with no divisor keeps 128 + a tail): on every Machine target (the Machine interpreter) and natively,
/// against the Graph interpreter.</summary>
public class DividingKConvTests
{
    [Theory]
    [InlineData(160, 8, 18, 20, 1, "block.ci = 160")]
    [InlineData(300, 5, 19, 19, 1, "block.ci = 150")]
    [InlineData(224, 7, 18, 19, 3, "block.ci = 224")]
    [InlineData(137, 4, 18, 19, 1, null)]
    public void MatchesTheReference(int cin, int cout, int h, int w, int k, string? config)
    {
        foreach (var target in Target.Known)
            Check(cin, cout, h, w, k, seed: 5, ExecutionLevel.Machine, target, config);
        Check(cin, cout, h, w, k, seed: 5, ExecutionLevel.Native, null, config);
    }

    [Fact]
    public void RandomWideConvsMatchTheReference() =>
        Gen.Select(Gen.Int[129, 300], Gen.Int[1, 20], Gen.Int[18, 24], Gen.Int[18, 24], Gen.Int[0, 2], Gen.Int[0, 1000])
            .Sample(t =>
            {
                var (cin, cout, h, w, kind, seed) = t;
                int k = kind == 2 ? 3 : 1;
                Check(cin, cout, h, w, k, seed, ExecutionLevel.Machine, Target.Known[^1], null);
                Check(cin, cout, h, w, k, seed, ExecutionLevel.Native, null, null);
            }, iter: 5);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    private static void Check(int cin, int cout, int h, int w, int k, int seed, ExecutionLevel level, Target? target, string? config) =>
        ConvReluCheck.Run(1, cin, cout, h, w, k, seed, level, target, config, Tolerance);
}
