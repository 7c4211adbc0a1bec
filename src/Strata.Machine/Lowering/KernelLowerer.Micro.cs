namespace Strata.Machine.Lowering;

internal sealed partial class KernelLowerer
{
    private bool TryMicroKernel(Block.DotOp d, LocalBuffer buffer, int m, int k, int n) => false;
}
