using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Tile lowerings of reductions, normalizations, softmax, MatMul/Gemm, Conv, pooling, Attention.</summary>
internal static class ComputeLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
    }
}
