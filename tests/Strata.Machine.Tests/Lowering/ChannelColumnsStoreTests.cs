using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A channels-as-columns conv (M = ow, N = co) stores its [ow, co] product C transposed into the NCHW output
/// (or the scratch its epilogue reads): C is read along the channels, a vector at a time, and each vector written with
/// a strided store (lane l one output plane further), not a scalar load and store per element. Random convs forced onto
/// the path (short rows, the [kh, kw, ci, co] weight) × epilogue chains (bias, scale, clip, relu, a residual, none),
/// the default and random configs, every target, against the Tile interpreter: a wrong transposition, a lane range
/// that drops or adds channels, a skipped epilogue or one applied twice (the scale and the bias are not idempotent)
/// shows.</summary>
public class ChannelColumnsStoreTests
{
    /// <summary>Epilogues of %acc at [n, co, oh, ow] (the bias %b per channel, the residual %r like the output).</summary>
    private static readonly string[] Chains =
    [
        "relu(add(A, %b[co]))",
        "mul(add(A, %b[co]), 0.5 : f32)",
        "min(max(add(A, %b[co]), 0.0 : f32), 6.0 : f32)",
        "relu(add(add(A, %b[co]), %r[n, co, oh, ow]))",
        "A",
    ];

    private static TileKernel Conv(int ci, int co, int h, int w, int k, int s, int p, int chain)
    {
        int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
        string row = $"add(mul(oh, {s}), kh)", col = $"add(mul(ow, {s}), kw)";
        string cond = $"and(and(ge({row}, {p}), lt({row}, {h + p})), and(ge({col}, {p}), lt({col}, {w + p})))";
        string tail = Chains[chain].Replace("A", "%acc[n, co, oh, ow]", StringComparison.Ordinal);
        return MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @conv(%x: f32[1,{{ci}},{{h}},{{w}}], %wt: f32[{{k}},{{k}},{{ci}},{{co}}], %b: f32[{{co}}], %r: f32[1,{{co}},{{oh}},{{ow}}]) -> (%out: f32[1,{{co}},{{oh}},{{ow}}]) {
              temp %acc: f32[1,{{co}},{{oh}},{{ow}}]
              domain n = 1, co = {{co}}, oh = {{oh}}, ow = {{ow}}
              reduce ci = {{ci}}, kh = {{k}}, kw = {{k}}
              %acc[n, co, oh, ow] = sum[ci, kh, kw] mul(select({{cond}}, %x[n, ci, sub({{row}}, {{p}}), sub({{col}}, {{p}})], 0.0 : f32), %wt[kh, kw, ci, co])
              %out[n, co, oh, ow] = {{tail}}
            }
            """));
    }

    /// <summary>Lowers and runs the kernel on the target against the Tile interpreter; returns whether C was stored
    /// transposed with strided vector stores, or (into a local scratch, KernelLowerer.RegisterTranspose) by blocks
    /// transposed in registers.</summary>
    private static bool Check(TileKernel kernel, Config config, Target target, int seed, MachineLoweringOptions? options = null)
    {
        var machine = MachineLoweringCheck.CheckAgainstTile(kernel, config, target, seed, options);
        return MachinePrinter.Print(machine).Split('\n').Any(l => l.TrimStart().StartsWith("store %", StringComparison.Ordinal) && l.Contains(" stride ", StringComparison.Ordinal)
            || l.Contains("= shuffle ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(64, 64, 10, 3, 1, 1, 0)] // resnet's 3×3 64→64 on a small plane: a row of 10 positions (6 + 4)
    [InlineData(24, 40, 9, 3, 1, 1, 3)]  // co not a vector multiple (a count-masked last vector), the residual
    [InlineData(32, 48, 11, 3, 2, 1, 1)] // stride 2, the scale
    [InlineData(16, 32, 7, 1, 1, 0, 2)]  // a 1×1 conv on a 7×7 plane, clip
    public void StoresTheProductTransposedWithStridedVectorStores(int ci, int co, int hw, int k, int s, int p, int chain)
    {
        var kernel = Conv(ci, co, hw, hw, k, s, p, chain);
        Assert.True(DotShape.DefaultRoles(kernel.Computations[0], a => kernel.Axis(a).Extent) is { Transposed: true });
        var space = KnobSpace.For(kernel);
        Assert.True(Check(kernel, space.Default(), Target.Get("x86-64-avx512"), 7), "C is not stored transposed with vector stores");
        // Without the register transpose, with strided ones.
        var strided = new MachineLoweringOptions { RegisterTranspose = false };
        Assert.True(Check(kernel, space.Default(), Target.Get("x86-64-avx512"), 7, strided), "C is not stored transposed with strided vector stores");
        foreach (var target in Target.Known) Check(kernel, space.Default(), target, 7);
    }

    [Fact]
    public void AnyChannelColumnsConvAndEpilogueComputesTheSameOnEveryTarget()
    {
        int strided = 0;
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var r = new Random(seed);
            int ci = r.Next(1, 40), co = r.Next(2) == 0 ? 16 * r.Next(1, 4) : r.Next(2, 50), h = r.Next(2, 12), w = r.Next(2, 14);
            int k = r.Next(2) == 0 ? 3 : 1, s = r.Next(1, 3), p = k == 3 ? r.Next(0, 2) : 0;
            if (h + 2 * p < k || w + 2 * p < k) return;
            var kernel = Conv(ci, co, h, w, k, s, p, r.Next(Chains.Length));
            if (DotShape.DefaultRoles(kernel.Computations[0], a => kernel.Axis(a).Extent) is not { Transposed: true }) return;
            var space = KnobSpace.For(kernel);
            foreach (var config in new[] { space.Default(), space.Random(r) })
            {
                Assert.True(space.IsLegal(config, out var why), why);
                foreach (var target in Target.Known)
                    if (Check(kernel, config, target, seed)) Interlocked.Increment(ref strided);
            }
        }, iter: 30);
        Assert.True(strided > 0, "no sample stored C with strided vector stores or a register transpose");
    }
}
