using System.Collections.Immutable;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>One step of a <see cref="NativeProgram"/>, in dependency order.</summary>
internal abstract record ExecStep(int Index);

/// <summary>A kernel: <see cref="Runner"/> gets the addresses of <see cref="ParamSlots"/> (one per runner param) in
/// the run's argument block at <see cref="ArgBase"/>. A <see cref="Folded"/> kernel reads only constants: it runs once,
/// at the program's first run, and its outputs are constants from then on.</summary>
internal sealed record KernelExecStep(int Index, KernelRunner Runner, ImmutableArray<int> ParamSlots, int ArgBase, bool Folded = false) : ExecStep(Index);

/// <summary>A node that runs through its reference op on managed values; <see cref="OutputSlots"/>[i] receives output
/// i (-1 for an omitted optional output).</summary>
internal sealed record FallbackExecStep(int Index, FallbackStep Step, ImmutableArray<int> OutputSlots) : ExecStep(Index);
