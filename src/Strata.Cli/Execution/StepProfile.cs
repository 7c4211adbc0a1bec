using Strata.Runtime;

namespace Strata.Cli.Execution;

/// <summary>One step of a program (a kernel or a fallback) over several profiled runs: its median time. Steps are
/// told apart by name and position, so a kernel that runs twice in a program is two steps.</summary>
public sealed record StepProfile(string Name, string Kind, double MedianMs)
{
    /// <summary>The steps of <paramref name="runs"/> (each a profile of the same program), slowest median first.</summary>
    public static IReadOnlyList<StepProfile> Of(IReadOnlyList<RunProfile> runs)
    {
        if (runs.Count == 0) return [];
        var first = runs[0].Steps;
        var steps = new List<StepProfile>(first.Count);
        for (int i = 0; i < first.Count; i++)
        {
            var ms = runs.Where(r => r.Steps.Count == first.Count).Select(r => r.Steps[i].Elapsed.TotalMilliseconds).Order().ToArray();
            steps.Add(new StepProfile(first[i].Name, first[i].Kind, ms[ms.Length / 2]));
        }
        return [.. steps.OrderByDescending(s => s.MedianMs).ThenBy(s => s.Name, StringComparer.Ordinal)];
    }
}
