using System.Text.RegularExpressions;

namespace Strata.Bench.Workloads;

/// <summary>All workloads in report order: MatMuls, transformer blocks, convolutions, the probes' ops, light models.</summary>
public static class WorkloadCatalog
{
    public static IReadOnlyList<Workload> All(string? lightDirectory) =>
    [
        .. MatMulWorkloads.All(),
        .. TransformerWorkloads.All(),
        .. ConvWorkloads.All(),
        .. ProbeWorkloads.All(),
        .. LightModelWorkloads.All(lightDirectory),
    ];

    /// <summary>The workloads whose name or group matches <paramref name="filter"/> (a .NET regex, case-insensitive);
    /// all of them when it is null.</summary>
    public static IReadOnlyList<Workload> Select(IReadOnlyList<Workload> all, string? filter)
    {
        if (filter is null) return all;
        var regex = new Regex(filter, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return all.Where(w => regex.IsMatch(w.Name) || regex.IsMatch(w.Group)).ToList();
    }
}
