using Strata.Block.Tests.Lowering;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>The Machine text of a few kernels per target (avx2: vectorised; scalar: the same program without vectors),
/// each also run against the Block interpreter.</summary>
public class LoweringGoldenTests
{
    public static TheoryData<string> Targets() => ["x86-64-avx2", "scalar"];

    private static void Golden(string name, string kernelText, string config, string target, bool specials = false)
    {
        var kernel = MachineLoweringCheck.Parse(kernelText);
        var space = KnobSpace.For(kernel);
        var cfg = config.Length == 0 ? space.Default() : space.Complete(Config.Parse(config));
        var machine = MachineLoweringCheck.Check(kernel, cfg, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, 3, specials));
        Testing.Golden.Check($"lower/{name}.{target}", MachinePrinter.Print(machine));
    }

    [Theory, MemberData(nameof(Targets))]
    public void MatmulBiasGelu(string target) =>
        Golden("matmul_bias_gelu", LoweringKernels.MatmulBiasGelu, "{block.m = 10, block.n = 6, block.k = 7, parallel = m, order = n, split.k = 1}", target);

    /// <summary>A k loop with split-K: the dot accumulates in place into its iter arg's buffer.</summary>
    [Theory, MemberData(nameof(Targets))]
    public void MatmulSplitK(string target) =>
        Golden("matmul_split_k", LoweringKernels.MatmulBiasGelu, "{block.m = 4, block.n = 4, block.k = 2, parallel = m*n, order = none, split.k = 2}", target);

    [Theory, MemberData(nameof(Targets))]
    public void Softmax(string target) => Golden("softmax", LoweringKernels.Softmax, "", target);

    /// <summary>Blocks that overhang the tensor: masks of the tail form become counted vector accesses.</summary>
    [Theory, MemberData(nameof(Targets))]
    public void MaskedTail(string target) =>
        Golden("masked_tail", MaskedTailKernel, "{block.m = 4, block.n = 16, parallel = m*n, order = none}", target);

    [Theory, MemberData(nameof(Targets))]
    public void Gather(string target) => Golden("gather", LoweringKernels.Gather, "", target);

    public const string MaskedTailKernel = """
        tile.kernel @tail(%x: f32[5,19], %y: f32[19]) -> (%out: f32[5,19]) {
          domain m = 5, n = 19
          %out[m, n] = mul(add(%x[m, n], %y[n]), 0.5 : f32)
        }
        """;
}
