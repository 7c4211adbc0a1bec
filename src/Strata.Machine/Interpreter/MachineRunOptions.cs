using Strata.Block;

namespace Strata.Machine;

/// <summary>Options of one <see cref="MachineInterpreter"/> run (the same meaning as <see cref="BlockRunOptions"/>).</summary>
/// <param name="Order">The order of program instances; <see cref="ProgramOrder.Shuffled"/> uses the same permutation
/// as the Block interpreter for the same <paramref name="Seed"/>.</param>
/// <param name="Seed">Seed of the permutation for <see cref="ProgramOrder.Shuffled"/>.</param>
/// <param name="CheckRaces">Record which instance wrote each element of output/scratch parameters and throw
/// (<see cref="Strata.Core.ErrorCode.EvaluationFailed"/>) when another instance reads or writes it.</param>
public sealed record MachineRunOptions(ProgramOrder Order = ProgramOrder.RowMajor, int Seed = 0, bool CheckRaces = true)
{
    public static MachineRunOptions Default { get; } = new();
}
