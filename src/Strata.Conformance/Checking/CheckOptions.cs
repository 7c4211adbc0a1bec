using Strata.Block;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Lowering;
using Strata.Machine.Passes;

namespace Strata.Conformance.Checking;

/// <summary>How <see cref="ModelChecker"/> checks: the compiler (with its pass lists, so a test can inject a pass), the
/// tolerance (<see cref="ValueComparer"/>'s rule <c>|a − e| ≤ atol + rtol·|e|</c>), and how Block kernels run.</summary>
public sealed record CheckOptions
{
    /// <summary>The default tolerance: the reference and the kernels may round in different orders (a sum over k in
    /// blocks, an exp through doubles), so exact agreement is not expected for floats.</summary>
    public static ValueComparer DefaultTolerance { get; } = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    // After DefaultTolerance: static initializers run in order.
    public static CheckOptions Default { get; } = new();

    public CompilerOptions Compiler { get; init; } = CompilerOptions.Default;

    public ValueComparer Tolerance { get; init; } = DefaultTolerance;

    /// <summary>Block interpreter options (instance order, race checks).</summary>
    public BlockRunOptions BlockRun { get; init; } = BlockRunOptions.Default;

    /// <summary>Also check every kernel at the Machine level for this target: right after Block→Machine lowering
    /// (<c>machine/lower</c>) and after each of <see cref="MachinePasses"/>, run by the Machine interpreter
    /// (null: stop at the Block level).</summary>
    public Target? MachineTarget { get; init; }

    /// <summary>Block→Machine lowering switches for the Machine stages.</summary>
    public MachineLoweringOptions MachineLowering { get; init; } = MachineLoweringOptions.Default;

    /// <summary>The Machine passes whose every stage is checked (a test injects a pass here).</summary>
    public MachinePipeline MachinePasses { get; init; } = MachinePipeline.Default;

    /// <summary>Machine interpreter options for the Machine stages.</summary>
    public MachineRunOptions MachineRun { get; init; } = MachineRunOptions.Default;
}
