using CsCheck;
using Strata.Block.Tests.Lowering;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>The Block level's hand-written lowering kernels (contractions of every shape, fused reductions, padded
/// loads, arg reductions, views, gathers, scalar outputs, empty extents) on every target, under the default config and
/// random legal configs: the Machine interpreter must agree with the Block interpreter.</summary>
public class LoweringKernelTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var k in LoweringKernels.All)
            foreach (var t in Target.Known) data.Add(k.Name, t.Name);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void DefaultAndRandomConfigsAreCorrect(string name, string target)
    {
        var k = LoweringKernels.All.Single(x => x.Name == name);
        var kernel = MachineLoweringCheck.Parse(k.Text);
        var space = KnobSpace.For(kernel);
        MachineLoweringCheck.Check(kernel, space.Default(), Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, 1, k.Specials));
        Gen.Int.Sample(seed =>
        {
            var config = space.Random(new Random(seed));
            MachineLoweringCheck.Check(kernel, config, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, seed, k.Specials), seed);
        }, iter: 12);
    }
}
