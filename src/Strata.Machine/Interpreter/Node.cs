namespace Strata.Machine.Interpreting;

/// <summary>A statement resolved for execution: registers are slots of the flat register file, memories are
/// indices, every type check was done once by <see cref="Prepass"/>. <see cref="Exec"/> only computes (and checks
/// what depends on values: assigned registers, bounds, races, counts).</summary>
internal abstract class Node(MStmt stmt)
{
    public readonly MStmt Stmt = stmt;

    public abstract void Exec(Frame f);

    public static void ExecAll(Node[] body, Frame f)
    {
        for (int i = 0; i < body.Length; i++) body[i].Exec(f);
    }
}
