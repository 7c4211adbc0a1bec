namespace Strata.Machine.Backend;

/// <summary>Level 4: turns a <see cref="MachineKernel"/> into native code. Backends are registered in the
/// <see cref="Core.ExtensionRegistry"/> under their <see cref="Name"/> (the built-in one is <c>clr</c>), like every
/// other extension. A backend refuses a kernel it cannot compile with a <see cref="Core.StrataException"/> that says
/// which statement and why; it never produces code that computes something else.</summary>
public interface INativeBackend
{
    string Name { get; }

    /// <summary>Whether code for <paramref name="target"/> can run on this machine (an AVX-512 kernel cannot run
    /// on an AVX2-only host; emulate it with the Machine interpreter instead).</summary>
    bool CanRun(Core.Target target);

    NativeKernel Compile(MachineKernel kernel, NativeCompileOptions options);
}

/// <param name="Checked">Emit a bounds check before every memory access (not only those the Machine level could not
/// prove in bounds); a failing check throws a <see cref="Core.StrataException"/> naming the kernel, the memory and the
/// index instead of touching memory (<c>--checked</c>).</param>
public sealed record NativeCompileOptions(bool Checked = false)
{
    public static NativeCompileOptions Default { get; } = new();
}
