using Strata.Core;

namespace Strata.Machine.Interpreting;

/// <summary>What loads and stores share: the index register, the optional mask (scalar accesses) or from and count
/// (vector accesses), bounds and race checks. A lane is active when it is in [from, count) and the mask is true;
/// inactive lanes touch no memory (a load gives them <c>other</c>).</summary>
internal abstract class AccessNode(MStmt s, int memory, Slot index, Slot? mask, Slot? from, Slot? count, int lanes) : Node(s)
{
    protected readonly int Memory = memory;

    /// <summary>The linear element index of lane 0.</summary>
    protected long Base(Frame f)
    {
        f.Read(index, Stmt);
        return f.R[index.Offset].I;
    }

    /// <summary>How many leading lanes the count leaves active (all lanes without a count). A count outside
    /// 0..lanes is clamped into it — a negative count accesses nothing, one beyond the lanes every lane — which is
    /// what the native backends do (they compute min/max, never check).</summary>
    protected int ActiveLanes(Frame f)
    {
        if (count is not { } c) return lanes;
        f.Read(c, Stmt);
        return (int)Math.Clamp(f.R[c.Offset].I, 0, lanes);
    }

    /// <summary>The first active lane (0 without a from), clamped into 0..lanes like the count.</summary>
    protected int FirstLane(Frame f)
    {
        if (from is not { } s) return 0;
        f.Read(s, Stmt);
        return (int)Math.Clamp(f.R[s.Offset].I, 0, lanes);
    }

    protected bool Masked(Frame f, int lane) => mask is { } m && !f.R[m.Offset + lane].AsBool;

    protected void ReadMask(Frame f)
    {
        if (mask is { } m) f.Read(m, Stmt);
    }

    /// <summary>The element index of an active lane, checked against the memory's length and for races.</summary>
    protected int Element(Frame f, long at, string verb)
    {
        var mem = f.Memories[Memory];
        if ((ulong)at >= (ulong)mem.Length)
            throw f.Fail(Stmt, $"{verb} element {at} of %{mem.Name} ({(mem.IsLocal ? "local buffer" : "parameter")} of {mem.Length} elements) is out of bounds",
                hint: "mask or count the lanes that overhang the memory");
        var written = f.WrittenBy[Memory];
        if (written is not null)
        {
            long writer = written[at] - 1;
            if (writer >= 0 && writer != f.Linear)
            {
                var other = new long[f.Pid.Length];
                for (int a = other.Length - 1; a >= 0; a--) { other[a] = writer % f.Kernel.Grid[a]; writer /= f.Kernel.Grid[a]; }
                throw f.Fail(Stmt, $"{verb} element {at} of %{mem.Name} written by program ({string.Join(", ", other)})",
                    hint: "program instances may run in any order or in parallel: an instance must only touch elements no other instance writes");
            }
        }
        return (int)at;
    }
}
