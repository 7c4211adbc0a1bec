using Strata.Core;
using Strata.Runtime;

namespace Strata.Cli;

/// <summary>Whether native code for a target runs on this machine: the default native backend's answer
/// (<see cref="Machine.Backend.INativeBackend.CanRun"/>), so the CLI refuses exactly what the runtime would emulate.</summary>
public static class TargetSupport
{
    public static bool RunsNatively(Target t) => RuntimeRegistry.Default.FindBackend(SessionOptions.Default.Backend)?.CanRun(t) ?? false;
}
