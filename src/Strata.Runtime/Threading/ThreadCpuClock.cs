using System.Runtime.InteropServices;

namespace Strata.Runtime;

/// <summary>The CPU time the calling thread has used (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>; elsewhere
/// not available). A step's wall time minus its thread CPU time is the time the thread did not run: on a host whose
/// cores other processes share, the scheduler hands the core away for whole time slices, and the step that happens
/// to be running then absorbs the wait — one ~1 ms kernel of shufflenet measured 25–60 ms of wall time that way.</summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Whether <see cref="NowTicks"/> reads a real clock here.</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>The thread's CPU time in <see cref="TimeSpan"/> ticks (100 ns); 0 where <see cref="IsAvailable"/> is false.</summary>
    public static long NowTicks()
    {
        if (!IsAvailable || ClockGetTime(ClockThreadCpuTime, out var t) != 0) return 0;
        return t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100;
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ClockThreadCpuTime, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
