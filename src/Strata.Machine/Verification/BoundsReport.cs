namespace Strata.Machine.Verification;

/// <summary>A load or store that <see cref="BoundsAnalysis"/> could not prove in bounds, and why.</summary>
public sealed record UnprovenAccess(MStmt Access, string Reason, bool ProvenOutOfBounds);

/// <summary>What <see cref="BoundsAnalysis.Analyze"/> found: which accesses (loads, stores) are proven in bounds for
/// every program instance and every path. Statements are identified by reference: one statement object used at
/// several places is proven only if it is proven at each.</summary>
public sealed class BoundsReport
{
    private readonly Dictionary<MStmt, bool> _proven;

    internal BoundsReport(Dictionary<MStmt, bool> proven, IReadOnlyList<UnprovenAccess> unproven)
    {
        _proven = proven;
        Unproven = unproven;
    }

    /// <summary>True if <paramref name="access"/> (a load, store or prefetch of the analysed kernel) never touches
    /// memory outside its parameter or buffer. Prefetches have no bounds requirement and are always proven;
    /// statements the analysis did not see are not.</summary>
    public bool IsProven(MStmt access) => _proven.TryGetValue(access, out bool p) && p;

    /// <summary>Accesses not proven in bounds, in kernel order, with the reason (the backend checks them at run time).</summary>
    public IReadOnlyList<UnprovenAccess> Unproven { get; }

    /// <summary>The unproven accesses that are out of bounds whenever they run (the verifier's errors).</summary>
    public IEnumerable<UnprovenAccess> OutOfBounds => Unproven.Where(u => u.ProvenOutOfBounds);
}
