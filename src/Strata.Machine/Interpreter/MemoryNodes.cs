using Strata.Tile;

namespace Strata.Machine.Interpreting;

internal sealed class LoadNode(LoadStmt s, Slot d, int memory, Slot index, Slot? mask, Slot? from, Slot? count, Scalar other)
    : AccessNode(s, memory, index, mask, from, count, d.Lanes)
{
    public override void Exec(Frame f)
    {
        long at = Base(f);
        int first = FirstLane(f);
        int active = ActiveLanes(f);
        ReadMask(f);
        var data = f.Data[Memory];
        var r = f.R;
        for (int l = 0; l < d.Lanes; l++)
            r[d.Offset + l] = l < first || l >= active || Masked(f, l) ? other : data[Element(f, at + l * s.Stride, "reads")];
        f.Assigned[d.Index] = true;
    }
}

internal sealed class StoreNode(StoreStmt s, Slot value, int memory, Slot index, Slot? mask, Slot? from, Slot? count)
    : AccessNode(s, memory, index, mask, from, count, value.Lanes)
{
    public override void Exec(Frame f)
    {
        long at = Base(f);
        int first = FirstLane(f);
        int active = ActiveLanes(f);
        ReadMask(f);
        f.Read(value, Stmt);
        var data = f.Data[Memory];
        var written = f.WrittenBy[Memory];
        var r = f.R;
        for (int l = first; l < active; l++)
        {
            if (Masked(f, l)) continue;
            int e = Element(f, at + l * s.Stride, "writes");
            data[e] = r[value.Offset + l];
            if (written is not null) written[e] = f.Linear + 1;
        }
    }
}

/// <summary>A hint without effect; the index must still be assigned (a native prefetch reads the register).</summary>
internal sealed class PrefetchNode(MStmt s, Slot index) : Node(s)
{
    public override void Exec(Frame f) => f.Read(index, Stmt);
}
