namespace Strata.Tile;

// Kernels that only move data (a Pad, a slice, a concat, a transpose) and windows: rows without masked tails.
public sealed partial class KnobSpace
{
    /// <summary>Whether the kernel has computations and none reduces: every output element is a select, a cast or a
    /// copy of some input elements, so a block costs its loads and stores, and a tail block's masks are the only
    /// extra work there is.</summary>
    private bool IsCopyKernel() => !Kernel.Computations.IsEmpty && Kernel.Computations.All(c => c.Reduce is null);

    /// <summary>A copy or window kernel's innermost output block (its vector row) that leaves a tail becomes the whole
    /// row where the row is at most four blocks and the budget allows; its parallel blocks then divide their extents
    /// (<see cref="WindowDividingBlocks"/>). A conv's padded copy of 64 × 224² took rows of 226 as 3 · 64 + 34 and
    /// blocks of 16 rows over 226 (14 · 16 + 2): every program of the last row block ran masked accesses, and every row
    /// a masked tail vector. Measured on the Intel Xeon host (two sessions in one process, alternated, each creation
    /// order once, the gain the geometric mean of the two paired-median ratios): that Pad 1.70 at 1 thread and 1.68 at
    /// 2 (0.75 of ORT's Pad before), with its 2-row blocks alone 1.64 against the whole row alone 1.41; 256 × 56² (rows
    /// already whole, 16 → 2 rows per block) 1.06 and 1.07; whole models, where pads are a few percent of the time:
    /// densenet121 1.006, inception_v2 1.000, resnet50 0.999, vgg19 0.997. A 2×2/2 max pool of 64 × 224² (rows of 112
    /// as 64 + 48) 1.22 and 1.16; the same pool with the next conv's Pad fused (rows of 114) 1.06 and 1.15.</summary>
    private void WholeRow(Dictionary<string, long> blocks, string? innermost)
    {
        if (!IsCopyKernel() && !IsWindowKernel() || innermost is null || Classes.Extent(innermost) % blocks[innermost] == 0) return;
        TakeWholeRow(blocks, innermost);
    }

    /// <summary>Gives <paramref name="cls"/> its whole extent as its block where that is at most four of its current
    /// block and every computation stays within the budget; false (the block unchanged) otherwise.</summary>
    private bool TakeWholeRow(Dictionary<string, long> blocks, string cls)
    {
        long b = blocks[cls];
        if (Classes.Extent(cls) > 4 * b) return false;
        blocks[cls] = Classes.Extent(cls);
        if (BudgetProblem(x => blocks[x]) is null) return true;
        blocks[cls] = b;
        return false;
    }
}
