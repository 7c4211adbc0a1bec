using System.Runtime.InteropServices;

namespace Strata.Runtime;

/// <summary>An int in native memory, on a cache line of its own, that threads block on until it changes: Linux's futex
/// where the host has one (x64, arm64), a <see cref="Monitor"/> elsewhere. Why not <see cref="ManualResetEventSlim"/>
/// (what the pool used): its <c>Set</c> pulses a Monitor while holding its lock, and a woken thread that the scheduler
/// puts on the setter's core contends for that lock — on the 2-core KVM host under load (load average 10+) <c>Set</c>
/// took the setter 22 µs and the woken thread ran 19 µs later, against 6 µs and 4 µs for a futex wake. On an idle
/// core the two cost alike (a 7–10 µs wake call, the thread runs 14–24 µs later: the hypervisor waking a halted
/// vCPU), so the futex saves little there.</summary>
internal sealed unsafe partial class WaitWord : IDisposable
{
    private const int CacheLine = 64;
    private const int FutexWait = 0, FutexWake = 1, FutexPrivate = 128;

    /// <summary>The futex system call's number here, or 0 where the fallback runs.</summary>
    private static readonly long FutexCall = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => 0,
    };

    private int* _word = (int*)NativeMemory.AlignedAlloc(CacheLine, CacheLine);
    private readonly object _gate = new();

    public WaitWord() => *_word = 0;

    /// <summary>Whether waits use the futex (else a Monitor).</summary>
    public static bool UsesFutex => FutexCall != 0;

    /// <summary>The word; change it with <see cref="Volatile"/> or <see cref="Interlocked"/>, then <see cref="WakeAll"/>.</summary>
    public ref int Value => ref *_word;

    /// <summary>Blocks while the word equals <paramref name="expected"/> (checked atomically with going to sleep, so a
    /// change made before a <see cref="WakeAll"/> is never missed). May return early: callers re-check in a loop.</summary>
    public void Wait(int expected)
    {
        if (FutexCall != 0)
        {
            Syscall(FutexCall, (nint)_word, FutexWait | FutexPrivate, expected, 0, 0, 0);
            return;
        }
        lock (_gate)
            while (Volatile.Read(ref *_word) == expected) Monitor.Wait(_gate);
    }

    /// <summary>Wakes every thread blocked in <see cref="Wait"/> (call it after changing the word).</summary>
    public void WakeAll()
    {
        if (FutexCall != 0)
        {
            Syscall(FutexCall, (nint)_word, FutexWake | FutexPrivate, int.MaxValue, 0, 0, 0);
            return;
        }
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Frees the word; only once no thread can wait on it or wake it.</summary>
    public void Dispose()
    {
        if (_word is null) return;
        NativeMemory.AlignedFree(_word);
        _word = null;
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, nint address, int operation, int value, nint timeout, nint address2, int value3);
}
