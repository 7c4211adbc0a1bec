using CsCheck;
using Strata.Block.Text;
using Strata.Tile;

namespace Strata.Block.Tests.Lowering;

public class TileToBlockTests
{
    public static TheoryData<string> Kernels() => [.. LoweringKernels.All.Select(k => k.Name)];

    private static (TileKernel Kernel, bool Specials) Kernel(string name)
    {
        var k = LoweringKernels.All.Single(x => x.Name == name);
        return (LoweringCheck.Parse(k.Text), k.Specials);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void DefaultConfigIsCorrect(string name)
    {
        var (kernel, specials) = Kernel(name);
        LoweringCheck.Check(kernel, KnobSpace.For(kernel).Default(), LoweringCheck.RandomInputs(kernel, 1, specials));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AnyLegalConfigIsCorrect(string name)
    {
        var (kernel, specials) = Kernel(name);
        var space = KnobSpace.For(kernel);
        Gen.Int.Sample(seed =>
        {
            var config = space.Random(new Random(seed));
            Assert.True(space.IsLegal(config, out var why), why);
            LoweringCheck.Check(kernel, config, LoweringCheck.RandomInputs(kernel, seed, specials), seed: seed);
        }, iter: 30);
    }

    private static IEnumerable<BlockOp> AllOps(IEnumerable<BlockOp> ops) =>
        ops.SelectMany(o => o is ForOp f ? AllOps(f.Body).Prepend(o) : [o]);

    [Fact]
    public void LoweredMatmulWithOverhangAndSplitK()
    {
        var kernel = LoweringCheck.Parse(LoweringKernels.MatmulBiasGelu);
        var config = KnobSpace.For(kernel).Complete(Config.Parse("{block.m = 4, block.n = 4, block.k = 2, parallel = m*n, order = none, split.k = 2}"));
        var lowered = LoweringCheck.Check(kernel, config, LoweringCheck.RandomInputs(kernel, 5));
        Golden.Check("lower/matmul_bias_gelu", BlockPrinter.Print(lowered));
        Assert.Equal([3L, 2L], lowered.Grid.AsEnumerable());
    }

    [Fact]
    public void LoweredSoftmaxUnderTheDefault()
    {
        var kernel = LoweringCheck.Parse(LoweringKernels.Softmax);
        var lowered = LoweringCheck.Check(kernel, KnobSpace.For(kernel).Default(), LoweringCheck.RandomInputs(kernel, 5));
        Golden.Check("lower/softmax", BlockPrinter.Print(lowered));
    }

    [Theory]
    [InlineData("matmul_bias_gelu", true)]
    [InlineData("matmul_fresh_axes", true)]
    [InlineData("matmul_transposed_out", true)]
    [InlineData("batched_matmul", true)]
    [InlineData("matvec", true)]
    [InlineData("padded_conv", true)]
    [InlineData("strided_conv2d", true)]
    [InlineData("grouped_conv2d", false)]
    public void ContractionsLowerToDotUnderTheDefault(string name, bool dot)
    {
        var kernel = Kernel(name).Kernel;
        var lowered = TileToBlock.Lower(kernel);
        Assert.Equal(dot, AllOps(lowered.Body).Any(o => o is DotOp));
    }

    [Fact]
    public void LoweringIsDeterministic()
    {
        foreach (var (_, text, _) in LoweringKernels.All)
        {
            var kernel = LoweringCheck.Parse(text);
            var config = KnobSpace.For(kernel).Random(new Random(11));
            Assert.Equal(BlockPrinter.Print(TileToBlock.Lower(kernel, config)), BlockPrinter.Print(TileToBlock.Lower(LoweringCheck.Parse(text), config)));
        }
    }

    [Fact]
    public void AnIllegalConfigIsRejected()
    {
        var kernel = LoweringCheck.Parse(LoweringKernels.Softmax);
        var bad = KnobSpace.For(kernel).Default().With("block.i3", 3);
        var e = Assert.Throws<Strata.Core.StrataException>(() => TileToBlock.Lower(kernel, bad));
        Assert.Contains("block.i3 = 3", e.Message);
    }
}
