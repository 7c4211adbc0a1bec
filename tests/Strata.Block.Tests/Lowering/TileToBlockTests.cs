using CsCheck;
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
}
