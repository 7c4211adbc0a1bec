using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

/// <summary>How Block→Machine lowering may transform a kernel (all on by default; switches exist for tests and
/// for bisecting a wrong result to one transformation).</summary>
/// <param name="Vectorize">Vectorise innermost loops along the last dim where the body has a lane-wise form.</param>
/// <param name="MicroKernel">Lower float dots to a register-blocked micro-kernel (FMA where the target has it).</param>
public sealed record MachineLoweringOptions(bool Vectorize = true, bool MicroKernel = true)
{
    public static MachineLoweringOptions Default { get; } = new();
}

/// <summary>Level 2 → level 3: one Block kernel for one <see cref="Target"/>. Pure and deterministic. Every program
/// instance runs the same Machine body with its own <c>program_id</c>s; Block scalars become registers, blocks are
/// either recomputed inline inside the loop nest of each consumer or materialised into local buffers (see
/// <see cref="ValuePlan"/>); stores, materialised values, reductions and dots become loop nests, vectorised along
/// their last dim where the target has lanes for the element types and every access is contiguous or uniform
/// (README.md in this folder).</summary>
public static class BlockToMachine
{
    public static MachineKernel Lower(BlockKernel kernel, Config config, Target target, MachineLoweringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(target);
        options ??= MachineLoweringOptions.Default;
        foreach (var p in kernel.Params)
            if (!ScalarSemantics.IsSupported(p.Element))
                throw new StrataException(ErrorCode.UnsupportedDataType,
                    $"block kernel @{kernel.Name}: parameter %{p.Name} holds {p.Element.ShortName()}, which the Machine level does not compute",
                    "run this kernel as a fallback", $"block kernel @{kernel.Name}");
        return new KernelLowerer(kernel, target, options, config).Lower();
    }
}
