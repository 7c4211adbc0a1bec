namespace Strata.Tile.Passes;

/// <summary>What the pipelines do around each pass: verify (<c>--verify-each</c>), dump text (<c>--dump-ir</c>),
/// or call a custom observer (tests, <c>strata check</c>). All optional; the default does nothing extra.</summary>
public sealed record PipelineHooks
{
    public static PipelineHooks None { get; } = new();

    /// <summary>Checks a kernel after each Tile pass; returns its problems (empty = fine). A problem stops compilation
    /// with an error that names the pass.</summary>
    public Func<TileKernel, IReadOnlyList<string>>? VerifyKernel { get; init; }

    /// <summary>Checks the graph after each graph pass, like <see cref="VerifyKernel"/>.</summary>
    public Func<Graph.Graph, IReadOnlyList<string>>? VerifyGraph { get; init; }

    /// <summary>Called with each kernel after each Tile pass (and once after fusion, with pass name "Fusion").</summary>
    public Action<string, TileKernel>? AfterTilePass { get; init; }

    /// <summary>Called with the graph before the first graph pass (pass name "Input") and after each one.</summary>
    public Action<string, Graph.Graph>? AfterGraphPass { get; init; }

    /// <summary>Both observers in turn: this one's, then <paramref name="other"/>'s.</summary>
    public PipelineHooks Then(PipelineHooks other) => new()
    {
        VerifyKernel = Combine(VerifyKernel, other.VerifyKernel),
        VerifyGraph = Combine(VerifyGraph, other.VerifyGraph),
        AfterTilePass = AfterTilePass + other.AfterTilePass,
        AfterGraphPass = AfterGraphPass + other.AfterGraphPass,
    };

    private static Func<T, IReadOnlyList<string>>? Combine<T>(Func<T, IReadOnlyList<string>>? a, Func<T, IReadOnlyList<string>>? b) =>
        a is null ? b : b is null ? a : x => [.. a(x), .. b(x)];
}
