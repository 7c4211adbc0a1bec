namespace Strata.Block;

/// <summary>An SSA value of a Block kernel (defined once, by an op, a loop's induction variable or iter arg).</summary>
public sealed record BlockValue(string Name, BlockType Type)
{
    public override string ToString() => "%" + Name;
}
