using System.Diagnostics;

namespace Strata.Runtime;

/// <summary>Where one run's time went, step by step (pass one to <see cref="NativeProgram.Run(IReadOnlyDictionary{string, Core.RuntimeValue}, RunProfile?)"/>;
/// for <c>strata bench</c> and for finding the slow kernel). Not shared between concurrent runs.</summary>
public sealed class RunProfile
{
    private readonly List<StepTime> _steps = [];

    /// <summary>One step: a kernel (its name and level) or a fallback (its op), and how long it took.</summary>
    public sealed record StepTime(string Name, string Kind, TimeSpan Elapsed);

    public IReadOnlyList<StepTime> Steps => _steps;

    public TimeSpan Total => TimeSpan.FromTicks(_steps.Sum(s => s.Elapsed.Ticks));

    internal void Add(string name, string kind, long startTimestamp) =>
        _steps.Add(new StepTime(name, kind, Stopwatch.GetElapsedTime(startTimestamp)));
}
