using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>One step of a <see cref="NativeProgram"/>, in dependency order.</summary>
internal abstract record ExecStep(int Index);

/// <summary>A kernel: <see cref="Runner"/> gets the addresses of <see cref="ParamSlots"/> (one per runner param) in
/// the run's argument block at <see cref="ArgBase"/>.</summary>
internal sealed record KernelExecStep(int Index, KernelRunner Runner, ImmutableArray<int> ParamSlots, int ArgBase) : ExecStep(Index);

/// <summary>A node that runs through its reference op on managed values; <see cref="OutputSlots"/>[i] receives output
/// i (-1 for an omitted optional output).</summary>
internal sealed record FallbackExecStep(int Index, FallbackStep Step, ImmutableArray<int> OutputSlots) : ExecStep(Index);
