namespace Strata.Core;

/// <summary>Describes this machine as a <see cref="Target"/>: the widest vector ISA the JIT accelerates here, core
/// count, and (once measured, see <see cref="TargetProbe"/>) the fp32 FMA peak and memory bandwidth.</summary>
public static class TargetCatalog
{
    private static readonly Lazy<Target> _host = new(TargetProbe.DetectHost);

    /// <summary>This machine (detected once per process; measured peaks come from the per-machine cache if present).</summary>
    public static Target Host => _host.Value;
}
