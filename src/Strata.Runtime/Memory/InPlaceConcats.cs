using Strata.Core;
using Strata.Tile;
using Strata.Tile.Fusion;

namespace Strata.Runtime;

/// <summary>Concats without a copy: a kernel that is one Concat whose inputs lie end to end in its output
/// (<see cref="InPlaceConcat.IsCandidate"/>) does not run; each input is placed inside the output's buffer at its offset
/// (<see cref="ProgramSlot.AliasOf"/>), so the steps that produce the inputs write the concat and its readers read it.
/// Concats of concats nest (densenet's block: the concat of layer i is the first input of layer i + 1's), and a value
/// read by other steps too is just read there. A value sits at one place only: an input already placed inside another
/// concat, or one that is not an arena intermediate (a graph input or output, a constant), leaves the kernel to run.
/// The arena plan places the roots only (each live from the first use to the last use of anything inside it);
/// <see cref="Check"/> verifies the result.</summary>
internal static class InPlaceConcats
{
    /// <summary>Places the inputs of <paramref name="step"/> inside its output when it is an in-place Concat whose
    /// values (already bound by the caller) allow it; false leaves the kernel to run.</summary>
    public static bool TryPlace(KernelStep step, Graph.Graph graph, Func<Graph.Value, ProgramSlot> slotOf)
    {
        if (step.Nodes is not [var node] || step.Outputs is not [var result] || !ReferenceEquals(result, node.Outputs[0])) return false;
        if (!InPlaceConcat.IsCandidate(node, graph.Inputs.Contains, graph.Outputs.Contains)) return false;
        var output = slotOf(result);
        if (output.Kind != SlotKind.Arena || output.AliasOf >= 0 || !output.KernelUse) return false;
        var inputs = node.Inputs.Select(v => slotOf(v!)).ToList();
        if (inputs.Any(s => s.Kind != SlotKind.Arena || s.AliasOf >= 0 || !s.KernelUse || s.Element != output.Element)
            || inputs.Sum(s => s.Bytes) != output.Bytes) return false;
        long offset = 0;
        foreach (var s in inputs)
        {
            s.AliasOf = output.Id;
            s.AliasOffset = offset;
            offset += s.Bytes;
        }
        return true;
    }

    /// <summary>The outermost slot holding <paramref name="slot"/> and the byte offset of <paramref name="slot"/> in it.</summary>
    public static (ProgramSlot Root, long Offset) Root(IReadOnlyList<ProgramSlot> slots, ProgramSlot slot)
    {
        long offset = 0;
        while (slot.AliasOf >= 0)
        {
            offset += slot.AliasOffset;
            slot = slots[slot.AliasOf];
        }
        return (slot, offset);
    }

    /// <summary>Before planning: every slot that holds others (the root, which the plan places, and the concats
    /// between) lives while anything inside it does.</summary>
    public static void ExtendRoots(IReadOnlyList<ProgramSlot> slots)
    {
        foreach (var s in slots.Where(s => s.AliasOf >= 0))
            for (var outer = slots[s.AliasOf]; ; outer = slots[outer.AliasOf])
            {
                outer.Touch(s.FirstUse);
                outer.Touch(s.LastUse);
                if (outer.AliasOf < 0) break;
            }
    }

    /// <summary>After planning the roots: the offset of every slot inside one.</summary>
    public static void PlaceInside(IReadOnlyList<ProgramSlot> slots)
    {
        foreach (var s in slots.Where(s => s.AliasOf >= 0))
        {
            var (root, offset) = Root(slots, s);
            s.Offset = root.Offset + offset;
        }
    }

    /// <summary>Throws unless every two arena slots that are live at a common step either use disjoint bytes or one lies
    /// inside the other (an in-place concat and its inputs): a wrong alias would let a kernel overwrite a value that a
    /// later step still reads.</summary>
    public static void Check(IReadOnlyList<ProgramSlot> slots)
    {
        var arena = slots.Where(s => s.Kind == SlotKind.Arena && s.Bytes > 0).OrderBy(s => s.Offset).ThenBy(s => s.Id).ToList();
        for (int i = 0; i < arena.Count; i++)
        {
            var a = arena[i];
            for (int j = i + 1; j < arena.Count && arena[j].Offset < a.Offset + a.Bytes; j++)
            {
                var b = arena[j];
                bool together = a.FirstUse <= b.LastUse && b.FirstUse <= a.LastUse;
                if (together && !Inside(slots, a, b) && !Inside(slots, b, a))
                    throw new StrataException(ErrorCode.InvalidIr,
                        $"the memory plan puts %{a.Name} (bytes {a.Offset}..{a.Offset + a.Bytes}, steps {a.FirstUse}..{a.LastUse}) and %{b.Name} (bytes {b.Offset}..{b.Offset + b.Bytes}, steps {b.FirstUse}..{b.LastUse}) on common bytes while both are live",
                        "a bug in the arena plan, the in-place concats or the outputs written over inputs");
            }
        }
    }

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or placed (transitively) inside it, at the
    /// bytes it occupies.</summary>
    private static bool Inside(IReadOnlyList<ProgramSlot> slots, ProgramSlot inner, ProgramSlot outer)
    {
        for (var s = inner; ; s = slots[s.AliasOf])
        {
            if (ReferenceEquals(s, outer)) return inner.Offset >= outer.Offset && inner.Offset + inner.Bytes <= outer.Offset + outer.Bytes;
            if (s.AliasOf < 0) return false;
        }
    }
}
