using Strata.Runtime;

namespace Strata.Cli.Execution;

/// <summary>One step of a program (a kernel or a fallback) over several profiled runs: its median wall time, and the
/// median CPU time of the thread that ran the runs (null where the host has no thread clock; see
/// <see cref="RunProfile.StepTime.CallerCpu"/>). Steps are told apart by name and position, so a kernel that runs
/// twice in a program is two steps.</summary>
public sealed record StepProfile(string Name, string Kind, double MedianMs, double? MedianCpuMs = null)
{
    /// <summary>The steps of <paramref name="runs"/> (each a profile of the same program), slowest median first.</summary>
    public static IReadOnlyList<StepProfile> Of(IReadOnlyList<RunProfile> runs)
    {
        if (runs.Count == 0) return [];
        var first = runs[0].Steps;
        var steps = new List<StepProfile>(first.Count);
        for (int i = 0; i < first.Count; i++)
        {
            var same = runs.Where(r => r.Steps.Count == first.Count).Select(r => r.Steps[i]).ToList();
            var ms = same.Select(x => x.Elapsed.TotalMilliseconds).Order().ToArray();
            var cpu = same.All(x => x.CallerCpu is not null) ? same.Select(x => x.CallerCpu!.Value.TotalMilliseconds).Order().ToArray() : null;
            steps.Add(new StepProfile(first[i].Name, first[i].Kind, ms[ms.Length / 2], cpu?[cpu.Length / 2]));
        }
        return [.. steps.OrderByDescending(s => s.MedianMs).ThenBy(s => s.Name, StringComparer.Ordinal)];
    }
}
