namespace Strata.Machine.Passes;

/// <summary>What <see cref="MachinePipeline"/> does around each pass: verify (<c>--verify-each</c>), dump text
/// (<c>--dump-ir</c>) or call a custom observer (tests). All optional.</summary>
public sealed record MachinePipelineHooks
{
    public static MachinePipelineHooks None { get; } = new();

    /// <summary>Checks a kernel after each pass; returns its problems (empty = fine). A problem stops compilation with
    /// an error that names the pass.</summary>
    public Func<MachineKernel, IReadOnlyList<string>>? VerifyKernel { get; init; }

    /// <summary>Called with the pass name and the kernel after each pass (before it is verified).</summary>
    public Action<string, MachineKernel>? AfterPass { get; init; }
}
