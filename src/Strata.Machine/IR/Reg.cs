namespace Strata.Machine;

/// <summary>A virtual register: mutable (assigned by any number of statements), of one fixed type. Registers map
/// one-to-one onto IL locals, so the register allocator sees exactly the kernel that was meant.</summary>
public sealed record Reg(string Name, MType Type)
{
    public override string ToString() => "%" + Name;
}
