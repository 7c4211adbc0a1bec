using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Passes;

/// <summary>The Tile-level passes, in order, as a visible list (Halide's <c>Lower.cpp</c>): each kernel that fusion
/// forms goes through every pass; after each one the hooks may verify it and dump its text.</summary>
public sealed class TilePipeline(IEnumerable<ITilePass> passes)
{
    /// <summary>The default list:
    /// <list type="number">
    /// <item><see cref="Passes.UnifyAxes"/>: one axis name per dimension across linked computations (knobs apply to all);</item>
    /// <item><see cref="Passes.SimplifyIndices"/>: range-aware index arithmetic and constant folding;</item>
    /// <item><see cref="Passes.DeadTempElimination"/>: drop computations, temporaries and axes no output needs;</item>
    /// <item><see cref="Passes.ForwardTempToOutput"/>: a temporary that is only copied to an output becomes that output;</item>
    /// <item><see cref="Passes.PruneInputs"/>: drop inputs no computation reads;</item>
    /// <item><see cref="Passes.MergeContiguousAxes"/>: a 1×1 conv's (oh, ow) become one axis where every access is contiguous across them;</item>
    /// <item><see cref="Passes.NonPositiveExp"/>: exp(a − max(a)) becomes expnonpos (its argument is ≤ 0).</item>
    /// </list></summary>
    public static ImmutableArray<ITilePass> DefaultPasses { get; } =
        [new UnifyAxes(), new SimplifyIndices(), new DeadTempElimination(), new ForwardTempToOutput(), new PruneInputs(), new MergeContiguousAxes(),
            new NonPositiveExp()];

    public static TilePipeline Default { get; } = new(DefaultPasses);

    public ImmutableArray<ITilePass> Passes { get; } = [.. passes];

    /// <summary>This list with <paramref name="pass"/> inserted after the pass named <paramref name="after"/> (or at the
    /// end when null): the hook for custom and test-only passes.</summary>
    public TilePipeline With(ITilePass pass, string? after = null)
    {
        if (after is null) return new TilePipeline(Passes.Add(pass));
        int i = Passes.IndexOf(Passes.FirstOrDefault(p => p.Name == after)!);
        if (i < 0) throw new StrataException(ErrorCode.InvalidArgument, $"the Tile pipeline has no pass named '{after}'",
            $"passes are: {string.Join(", ", Passes.Select(p => p.Name))}");
        return new TilePipeline(Passes.Insert(i + 1, pass));
    }

    /// <summary>This list with <paramref name="pass"/> inserted at <paramref name="position"/> (0 = before every pass).</summary>
    public TilePipeline Insert(int position, ITilePass pass)
    {
        if (position < 0 || position > Passes.Length)
            throw new StrataException(ErrorCode.InvalidArgument, $"position {position} is outside the Tile pipeline (0..{Passes.Length})",
                "insert at 0 (first) up to the number of passes (last)");
        return new TilePipeline(Passes.Insert(position, pass));
    }

    /// <summary>This list without the pass named <paramref name="name"/> (to bisect a wrong result).</summary>
    public TilePipeline Without(string name)
    {
        int i = Passes.IndexOf(Passes.FirstOrDefault(p => p.Name == name)!);
        if (i < 0) throw new StrataException(ErrorCode.InvalidArgument, $"the Tile pipeline has no pass named '{name}'",
            $"passes are: {string.Join(", ", Passes.Select(p => p.Name))}");
        return new TilePipeline(Passes.RemoveAt(i));
    }

    /// <summary>Runs every pass on <paramref name="kernel"/>, calling the hooks after each.</summary>
    public TileKernel Run(TileKernel kernel, PipelineHooks? hooks = null)
    {
        hooks ??= PipelineHooks.None;
        foreach (var pass in Passes)
        {
            var next = pass.Run(kernel);
            CheckContract(pass, kernel, next);
            kernel = next;
            hooks.AfterTilePass?.Invoke(pass.Name, kernel);
            Verify(hooks, pass.Name, kernel);
        }
        return kernel;
    }

    private static readonly IEqualityComparer<TileBuffer> SameElements = EqualityComparer<TileBuffer>.Create(
        (x, y) => x is not null && y is not null && x.Name == y.Name && x.ElementType == y.ElementType && x.Role == y.Role && x.Size == y.Size,
        b => HashCode.Combine(b.Name, b.Size));

    /// <summary>Runs the verifier hook on <paramref name="kernel"/>; problems become one error naming <paramref name="after"/>.</summary>
    public static void Verify(PipelineHooks hooks, string after, TileKernel kernel)
    {
        if (hooks.VerifyKernel?.Invoke(kernel) is not { Count: > 0 } problems) return;
        throw new StrataException(ErrorCode.InvalidIr,
            $"tile kernel @{kernel.Name} is invalid after {after}: {string.Join("; ", problems)}",
            after == "Fusion" ? "a Tile lowering produced an invalid kernel: fix the lowering" : $"the pass {after} is wrong: fix it or remove it from the pipeline",
            $"tile kernel @{kernel.Name}");
    }

    /// <summary>Passes keep the kernel's name and outputs and may only drop inputs, so program steps stay bound; a buffer's
    /// dims may change where its elements do not (<see cref="MergeContiguousAxes"/> merges two dims into one).</summary>
    private static void CheckContract(ITilePass pass, TileKernel before, TileKernel after)
    {
        string? problem = after.Name != before.Name ? $"renamed the kernel to @{after.Name}"
            : !after.Outputs.SequenceEqual(before.Outputs, SameElements) ? "changed the kernel's outputs"
            : after.Inputs.FirstOrDefault(i => !before.Inputs.Contains(i, SameElements)) is { } added ? $"added or changed input %{added.Name}"
            : null;
        if (problem is not null)
            throw new StrataException(ErrorCode.InvalidIr, $"the Tile pass {pass.Name} {problem} of @{before.Name}",
                "a pass keeps the kernel's name and outputs and may only drop inputs", $"tile kernel @{before.Name}");
    }
}
