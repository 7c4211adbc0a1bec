using Strata.Core;
using Strata.Graph;

namespace Strata.Runtime;

/// <summary>Where a value of a compiled program lives during a run.</summary>
public enum SlotKind
{
    /// <summary>A graph constant: copied once into aligned native memory when the program is compiled.</summary>
    Constant,

    /// <summary>A graph input: the caller's tensor, pinned for the run.</summary>
    Input,

    /// <summary>A graph output: a fresh managed tensor per run (pinned while kernels write it), returned to the caller.</summary>
    Output,

    /// <summary>An intermediate tensor a kernel touches: an offset in the run's arena.</summary>
    Arena,

    /// <summary>A value only fallback steps touch (any runtime value): kept as a managed object.</summary>
    Managed,
}

/// <summary>One value of a compiled program (a graph value, or a kernel's scratch parameter when <see cref="Value"/>
/// is null) and where it lives.</summary>
internal sealed class ProgramSlot(int id, string name, Value? value, SlotKind kind)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public Value? Value { get; } = value;
    public SlotKind Kind { get; set; } = kind;

    /// <summary>Element type and shape (for tensors the kernels touch; a managed value may have none).</summary>
    public DataType Element { get; set; }
    public int[] Shape { get; set; } = [];
    public long Bytes { get; set; }

    /// <summary>A kernel reads or writes it, so it needs an address.</summary>
    public bool KernelUse { get; set; }

    /// <summary>A kernel step (rather than a fallback) produces it.</summary>
    public bool KernelProduced { get; set; }

    /// <summary>For <see cref="SlotKind.Arena"/>: the offset in the arena.</summary>
    public long Offset { get; set; }

    /// <summary>For an <see cref="SlotKind.Arena"/> value placed inside another one (an input of an in-place Concat,
    /// <see cref="InPlaceConcats"/>, or an output written over a dying input, <see cref="InPlaceOutputs"/>): that slot's
    /// id, else -1; <see cref="AliasOffset"/> is its byte offset there.
    /// Such a slot is not planned on its own: its <see cref="Offset"/> is its parent's plus <see cref="AliasOffset"/>.</summary>
    public int AliasOf { get; set; } = -1;
    public long AliasOffset { get; set; }

    /// <summary>A constant computed by a folded kernel (not a graph constant): its data is written at the first run.</summary>
    public bool Folded { get; set; }

    /// <summary>For <see cref="SlotKind.Constant"/>: the native copy.</summary>
    public AlignedBuffer? ConstantData { get; set; }

    /// <summary>First and last step that touch it (arena liveness).</summary>
    public int FirstUse { get; set; } = int.MaxValue;
    public int LastUse { get; set; } = -1;

    public void Touch(int step)
    {
        FirstUse = Math.Min(FirstUse, step);
        LastUse = Math.Max(LastUse, step);
    }

    public override string ToString() => $"{Name} ({Kind})";
}
