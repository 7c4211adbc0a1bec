using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Loop nests over blocks whose trailing dims have extent 1 (a classifier head's [1, C, 1, 1] after a global
/// pool) vectorise along the last dim before them: random channel counts (full vectors, a masked rest, fewer than one
/// vector) and planes, on every target, must give the Block interpreter's results.</summary>
public class TrailingUnitDimsTests
{
    /// <summary>GlobalAveragePool + Softmax over the channels, as the fusion builds it for squeezenet's head.</summary>
    private static TileKernel Head(int c, int h, int w) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @head(%x: f32[1,{{c}},{{h}},{{w}}]) -> (%y: f32[1,{{c}},1,1]) {
          temp %sum: f32[1,{{c}},1,1]
          temp %max: f32[1]
          temp %exp: f32[1,{{c}},1,1]
          temp %sum0: f32[1]
          temp %rsum: f32[1]
          domain i = 1, i0 = {{c}}, i1 = 1, i2 = 1
          reduce khw = {{h * w}}
          %sum[i, i0, i1, i2] = sum[khw] %x[0, i0, floordiv(khw, {{w}}), mod(khw, {{w}})]
          %max[i] = max[i0, i1, i2] div(%sum[0, i0, 0, 0], {{h * w}}.0 : f32)
          %exp[i, i0, i1, i2] = expnonpos(sub(div(%sum[0, i0, 0, 0], {{h * w}}.0 : f32), %max[0]))
          %sum0[i] = sum[i0, i1, i2] %exp[0, i0, 0, 0]
          %rsum[i] = div(1.0 : f32, %sum0[0])
          %y[i, i0, i1, i2] = mul(%exp[0, i0, 0, 0], %rsum[0])
        }
        """));

    /// <summary>A squeeze-and-excitation scale: elementwise over [1, C, 1, 1, 1] with a per-channel operand.</summary>
    private static TileKernel Scale(int c) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @scale(%x: f32[1,{{c}},1,1,1], %s: f32[{{c}}]) -> (%y: f32[1,{{c}},1,1,1]) {
          domain i = 1, c = {{c}}, a = 1, b = 1, d = 1
          %y[i, c, a, b, d] = sigmoid(add(mul(%x[i, c, a, b, d], %s[c]), 0.5 : f32))
        }
        """));

    [Fact]
    public void RandomHeadsOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 1100], Gen.Int[1, 14], Gen.Int[1, 14], Gen.Int).Sample((c, h, w, seed) =>
        {
            MachineLoweringCheck.CheckDefaultOnEveryTarget(Head(c, h, w), seed);
        }, iter: 12);
    }

    [Fact]
    public void RandomScalesOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 300], Gen.Int).Sample((c, seed) =>
        {
            MachineLoweringCheck.CheckDefaultOnEveryTarget(Scale(c), seed);
        }, iter: 20);
    }

    /// <summary>The head's exp runs on whole vectors (it was 1000 scalar iterations when the nest's last dim, of extent 1,
    /// was the only one it tried).</summary>
    [Fact]
    public void HeadExpIsVectorised()
    {
        var kernel = Head(1000, 13, 13);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512, MachineLoweringCheck.RandomInputs(kernel, 7));
        var exps = MachinePrinter.Print(machine).Split('\n').Where(l => l.Contains(" = expnonpos ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(exps);
        Assert.All(exps, l => Assert.EndsWith(": v16f32", l.TrimEnd(), StringComparison.Ordinal));
    }
}
