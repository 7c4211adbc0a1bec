namespace Strata.Machine;

/// <summary>A virtual register: mutable (assigned by any number of statements), of one fixed type. The clr backend
/// makes registers IL locals (those never live at once share one), so the register allocator sees the kernel that was
/// meant.</summary>
public sealed record Reg(string Name, MType Type)
{
    public override string ToString() => "%" + Name;
}
