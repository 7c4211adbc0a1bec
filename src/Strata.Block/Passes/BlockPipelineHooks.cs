namespace Strata.Block.Passes;

/// <summary>What <see cref="BlockPipeline"/> does around each pass: verify (<c>--verify-each</c>), dump text
/// (<c>--dump-ir</c>) or call a custom observer (tests, <c>strata check</c>). All optional.</summary>
public sealed record BlockPipelineHooks
{
    public static BlockPipelineHooks None { get; } = new();

    /// <summary>Checks a kernel after each pass; returns its problems (empty = fine). A problem stops compilation with
    /// an error that names the pass.</summary>
    public Func<BlockKernel, IReadOnlyList<string>>? VerifyKernel { get; init; }

    /// <summary>Called with the pass name and the kernel after each pass.</summary>
    public Action<string, BlockKernel>? AfterPass { get; init; }

    /// <summary>Both in turn: this one's hooks, then <paramref name="other"/>'s.</summary>
    public BlockPipelineHooks Then(BlockPipelineHooks other) => new()
    {
        VerifyKernel = VerifyKernel is null ? other.VerifyKernel
            : other.VerifyKernel is null ? VerifyKernel
            : k => [.. VerifyKernel(k), .. other.VerifyKernel(k)],
        AfterPass = AfterPass + other.AfterPass,
    };
}
