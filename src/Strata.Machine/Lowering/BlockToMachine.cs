using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

/// <summary>How Block→Machine lowering may transform a kernel (all on by default; switches exist for tests and
/// for bisecting a wrong result to one transformation), and the feedback switches of <see cref="Compilation.MachineCompiler"/>.</summary>
public sealed record MachineLoweringOptions
{
    public static MachineLoweringOptions Default { get; } = new();

    /// <summary>Vectorise innermost loops along the last dim where the body has a lane-wise form.</summary>
    public bool Vectorize { get; init; } = true;

    /// <summary>Vectorise float sums along a contiguous reduced axis with lane-wise partial sums (a different order of
    /// addition than the Block interpreter's; off: such sums stay sequential and bit-exact).</summary>
    public bool ReassociateSums { get; init; } = true;

    /// <summary>Compute <c>a + b·c</c> of vector floats as one <c>fma</c> on targets with FMA (one rounding instead of two;
    /// off: mul and add, bit-exact with the Block interpreter).</summary>
    public bool FuseMulAdd { get; init; } = true;

    /// <summary>Split a vectorised loop whose accesses are lane-range masked (padded windows) into an interior part,
    /// where every mask is known to cover all lanes and accesses are unmasked, and the edge iterations, which keep the
    /// masks.</summary>
    public bool SplitEdges { get; init; } = true;

    /// <summary>Lower float dots to a register-blocked micro-kernel (FMA where the target has it).</summary>
    public bool MicroKernel { get; init; } = true;

    /// <summary>Run the tap loops around a dot whose operands are read in place (a convolution's kh, kw) inside each
    /// micro-tile, its accumulators in registers across them (off: the loops step around the dot).</summary>
    public bool TapLoopsInTile { get; init; } = true;

    /// <summary>Lower a kernel whose float dots have short rows with 256-bit vectors on an avx512 target
    /// (<see cref="NarrowVectors"/>).</summary>
    public bool NarrowShortRows { get; init; } = true;

    /// <summary>Read the stacked output rows of a channels-as-columns conv (a dot's A that reshapes an unmasked [R, M, K]
    /// load to [R·M, K]) in place, row by row, so its tap loops can run inside the micro-tile (off: packed column-major
    /// per step, KernelLowerer.StackedRows.cs).</summary>
    public bool StackedRowsInPlace { get; init; } = true;

    /// <summary>Read a dot's B in place where its load is masked along the columns only (a GEMM-shaped conv's plane that
    /// no block of whole vectors divides: squeezenet's 55×55): each micro-tile whose columns are all inside runs
    /// unmasked, the edge tile with per-vector counts (<see cref="ValuePlan.IsColumnMaskedB"/>; off: packed per block).</summary>
    public bool ColumnMaskedBInPlace { get; init; } = true;

    /// <summary>Keep a scratch round trip that stays inside the program's block (a channels-as-columns conv's result
    /// stored transposed and read back by its epilogue) in a program-local buffer instead of the whole-tensor scratch
    /// (KernelLowerer.LocalScratch.cs; off: through the scratch parameter).</summary>
    public bool LocalScratch { get; init; } = true;

    /// <summary>Store a buffered value transposed into a local scratch (a channels-as-columns conv's [positions, co]
    /// result, read back as [co, positions] by its epilogue) by lanes × lanes blocks transposed in registers
    /// (KernelLowerer.RegisterTranspose.cs; off: one extracting store per element).</summary>
    public bool RegisterTranspose { get; init; } = true;

    /// <summary>Check every Machine kernel right after lowering (<c>--verify-each</c>).</summary>
    public bool VerifyEach { get; init; }

    /// <summary>Write each kernel's Machine text to <c>DIR/KERNEL/machine.strata</c> (beside <c>IrDump</c>'s files).</summary>
    public string? DumpDirectory { get; init; }

    /// <summary>Record a kernel that fails to lower in <see cref="Compilation.MachineCompiledKernel.Failure"/> and go on,
    /// instead of throwing.</summary>
    public bool ContinueOnKernelError { get; init; }
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
        if (options.NarrowShortRows) target = NarrowVectors.For(kernel, target);
        return new KernelLowerer(kernel, target, options, config).Lower();
    }
}
