using System.Collections.Immutable;

namespace Strata.Conformance.Checking;

/// <summary>The result of checking one kernel at every stage: its ops, how many stages ran and agreed, and the first
/// stage that diverged (null when all agreed). <see cref="Skipped"/> says why a kernel could not be checked at all
/// (e.g. the reference run has no value for one of its inputs).</summary>
public sealed record KernelCheck(string Kernel, ImmutableArray<string> Ops, int Stages, StageDivergence? FirstDivergence, string? Skipped = null)
{
    public bool Agrees => FirstDivergence is null && Skipped is null;

    /// <summary>The kernel's inputs and outputs that graph passes introduced (a padded copy of a conv's input): their
    /// values come from the reference run of the graph after its passes, not of the model as given.</summary>
    public ImmutableArray<string> FromGraphPasses { get; init; } = [];

    /// <summary>The kernel's inputs and outputs that program passes store in another layout (<c>x_split from %x</c>):
    /// their reference is the source's value, relaid out (<see cref="Tile.DerivedValue"/>).</summary>
    public ImmutableArray<string> Relaid { get; init; } = [];

    /// <summary><c>kernel @m.k0 [MatMul, Add, Relu]: ok at all 8 stages</c> or <c>… DIVERGES at block/lower: …</c></summary>
    public override string ToString()
    {
        var head = $"kernel @{Kernel} [{string.Join(", ", Ops)}]";
        if (Skipped is not null) return $"{head}: not checked: {Skipped}";
        var note = (FromGraphPasses.IsEmpty ? "" : $" ({string.Join(", ", FromGraphPasses.Select(v => "%" + v))} from the graph after its passes)")
            + (Relaid.IsEmpty ? "" : $" ({string.Join(", ", Relaid.Select(v => "%" + v))} relaid out)");
        if (FirstDivergence is { } d) return $"{head}: DIVERGES at {d} (stage {d.StageNumber} of {Stages}){note}";
        return $"{head}: ok at all {Stages} stages{note}";
    }
}
