namespace Strata.Runtime;

/// <summary>The level a model (or one kernel) runs at; the numbers are the IR levels of DESIGN.md.</summary>
public enum ExecutionLevel
{
    /// <summary>The reference interpreter on the whole graph (no compilation).</summary>
    Graph = 0,

    /// <summary>The Tile interpreter (only for a kernel whose Tile→Block compilation failed).</summary>
    Tile = 1,

    /// <summary>The Block interpreter.</summary>
    Block = 2,

    /// <summary>The Machine interpreter: emulates the target's vector operations (targets this machine lacks).</summary>
    Machine = 3,

    /// <summary>Native code from the backend.</summary>
    Native = 4,
}
