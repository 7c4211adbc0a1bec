namespace Strata.Machine.Interpreting;

/// <summary>The bounds are read once; the induction variable is assigned before every iteration.</summary>
internal sealed class LoopNode(MStmt s, Slot var, Slot lower, Slot upper, long step, Node[] body) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(lower, Stmt);
        f.Read(upper, Stmt);
        long lo = f.R[lower.Offset].I, hi = f.R[upper.Offset].I;
        for (long i = lo; i < hi; i += step)
        {
            f.R[var.Offset] = new(i, 0);
            f.Assigned[var.Index] = true;
            ExecAll(body, f);
            if (i > long.MaxValue - step) break;
        }
    }
}

internal sealed class IfNode(MStmt s, Slot cond, Node[] then, Node[] otherwise) : Node(s)
{
    public override void Exec(Frame f)
    {
        f.Read(cond, Stmt);
        ExecAll(f.R[cond.Offset].AsBool ? then : otherwise, f);
    }
}
