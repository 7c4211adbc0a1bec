using System.Runtime.CompilerServices;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Interpreting;

/// <summary>Where a register lives in the flat register file: <see cref="Lanes"/> consecutive scalars from
/// <see cref="Offset"/>. <see cref="Index"/> numbers registers (for the "assigned yet?" flags).</summary>
internal readonly record struct Slot(int Index, int Offset, int Lanes, DataType Element, Reg Reg);

/// <summary>The state of one run: the register file of the current instance, the memories, the program id.</summary>
internal sealed class Frame(MachineKernel kernel, int scalars, int registers, MemorySlot[] memories)
{
    public readonly MachineKernel Kernel = kernel;
    public readonly Scalar[] R = new Scalar[scalars];
    public readonly bool[] Assigned = new bool[registers];
    public readonly MemorySlot[] Memories = memories;

    /// <summary>Contents per memory (index as <see cref="Memories"/>).</summary>
    public readonly Scalar[][] Data = new Scalar[memories.Length][];

    /// <summary>Per memory: 1 + the linear id of the instance that wrote each element (0 = not written), or null
    /// where races are not checked (inputs, local buffers, or checking off).</summary>
    public readonly long[]?[] WrittenBy = new long[]?[memories.Length];

    public readonly long[] Pid = new long[kernel.Grid.Length];
    public long Linear;

    public string Where => $"machine kernel @{Kernel.Name}, program ({string.Join(", ", Pid)})";

    /// <summary>Checks that a register was assigned in this instance before it is read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Read(in Slot s, MStmt stmt)
    {
        if (!Assigned[s.Index]) throw Unassigned(s, stmt);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private StrataException Unassigned(in Slot s, MStmt stmt) =>
        new(ErrorCode.UndefinedValue,
            $"machine kernel @{Kernel.Name}: {MachinePrinter.Headline(stmt)}: register {s.Reg} is read before it is assigned in program ({string.Join(", ", Pid)})",
            "assign every register on every path before reading it", Where);

    public StrataException Fail(MStmt stmt, string message, ErrorCode code = ErrorCode.EvaluationFailed, string? hint = null) =>
        new(code, $"machine kernel @{Kernel.Name}: {MachinePrinter.Headline(stmt)}: {message} in program ({string.Join(", ", Pid)})",
            hint ?? "check the lowering of this kernel against the Block interpreter", Where);
}
