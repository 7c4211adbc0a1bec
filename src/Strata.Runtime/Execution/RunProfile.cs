using System.Diagnostics;

namespace Strata.Runtime;

/// <summary>Where one run's time went, step by step (pass one to <see cref="NativeProgram.Run(IReadOnlyDictionary{string, Core.RuntimeValue}, RunProfile?)"/>;
/// for <c>strata bench</c> and for finding the slow kernel). Not shared between concurrent runs.</summary>
public sealed class RunProfile
{
    private readonly List<StepTime> _steps = [];

    /// <summary>One step: a kernel (its name and level) or a fallback (its op), how long it took (wall clock), and the
    /// CPU time of the thread that ran the run during it (<see cref="CallerCpu"/>: null where the host has no thread
    /// clock). At one thread, <c>Elapsed - CallerCpu</c> is time spent waiting for a core; with workers it also holds
    /// the wait for them, and their CPU time is not counted.</summary>
    public sealed record StepTime(string Name, string Kind, TimeSpan Elapsed, TimeSpan? CallerCpu = null);

    public IReadOnlyList<StepTime> Steps => _steps;

    public TimeSpan Total => TimeSpan.FromTicks(_steps.Sum(s => s.Elapsed.Ticks));

    /// <summary>Reads both clocks at the start of a step (pass them to <see cref="Add"/>).</summary>
    internal static (long Wall, long Cpu) Start() => (Stopwatch.GetTimestamp(), ThreadCpuClock.NowTicks());

    internal void Add(string name, string kind, (long Wall, long Cpu) start) =>
        _steps.Add(new StepTime(name, kind, Stopwatch.GetElapsedTime(start.Wall),
            ThreadCpuClock.IsAvailable ? TimeSpan.FromTicks(ThreadCpuClock.NowTicks() - start.Cpu) : null));
}
