using Strata.Backends.Clr.Tests;
using Strata.Machine.Backend;
using Strata.Machine.Text;

/// <summary>Runs in the child process of <see cref="CallFreeKernelTests"/> (DOTNET_STARTUP_HOOKS names this
/// assembly): compiles the many-registers kernel of the lanes the variable names, which JITs it, and exits. A no-op anywhere else.</summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(CallFreeKernelTests.ProbeVariable), out int lanes)) return;
        var kernel = MachineParser.Parse(CallFreeKernelTests.ManyRegistersKernel(lanes));
        NativeHarness.Backend.Compile(kernel, NativeCompileOptions.Default);
        Environment.Exit(0);
    }
}
