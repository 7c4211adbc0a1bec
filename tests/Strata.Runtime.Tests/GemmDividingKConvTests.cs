using CsCheck;
using Strata.Conformance;
using Strata.Core;

namespace Strata.Runtime.Tests;

/// <summary>1×1 convs on small planes (the GEMM-shaped default: the whole plane as N) whose ci 256 does not divide take
/// a K block that divides ci from 128 up (576 as 3 · 192, 320 as 2 · 160; 257 with no such divisor keeps 256 + a
/// tail), and the widest row block dividing co that leaves 4 programs (96 as 4 · 24, 160 as 4 · 40): on every Machine
/// target (the Machine interpreter) and natively, against the Graph interpreter.</summary>
public class GemmDividingKConvTests
{
    [Theory]
    [InlineData(576, 40, 14, 14, "block.ci = 192")]
    [InlineData(320, 24, 7, 7, "block.ci = 160")]
    [InlineData(257, 8, 9, 9, "block.ci = 256")]
    [InlineData(576, 96, 14, 14, "block.co = 24")]
    [InlineData(300, 160, 7, 7, "block.co = 40")]
    public void MatchesTheReference(int cin, int cout, int h, int w, string config)
    {
        foreach (var target in Target.Known)
            Check(cin, cout, h, w, seed: 7, ExecutionLevel.Machine, target, config);
        Check(cin, cout, h, w, seed: 7, ExecutionLevel.Native, null, config);
    }

    [Fact]
    public void RandomSmallPlaneConvsMatchTheReference() =>
        Gen.Select(Gen.Int[257, 700], Gen.Int[1, 40], Gen.Int[5, 17], Gen.Int[5, 17], Gen.Int[0, 1000])
            .Sample((cin, cout, h, w, seed) =>
            {
                Check(cin, cout, h, w, seed, ExecutionLevel.Machine, Target.Known[^1], null);
                Check(cin, cout, h, w, seed, ExecutionLevel.Native, null, null);
            }, iter: 5);

    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-4);

    private static void Check(int cin, int cout, int h, int w, int seed, ExecutionLevel level, Target? target, string? config) =>
        ConvReluCheck.Run(1, cin, cout, h, w, 1, seed, level, target, config, Tolerance);
}
