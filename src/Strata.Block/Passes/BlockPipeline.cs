using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Block.Passes;

/// <summary>The Block-level passes, in order, as a visible list (Halide's <c>Lower.cpp</c>): every kernel that
/// Tile→Block lowering produces goes through each pass; after each one the hooks may verify it and dump its text.
/// Extra passes (plugins, test-only passes) are injected at a given position with <see cref="With"/> or
/// <see cref="Insert"/>.</summary>
public sealed class BlockPipeline(IEnumerable<IBlockPass> passes)
{
    /// <summary>The default list:
    /// <list type="number">
    /// <item><see cref="FoldScalarConstants"/>: scalar arithmetic on constants (index offsets, extents) becomes a constant;</item>
    /// <item><see cref="EliminateCommonSubexpressions"/>: a pure op computed twice is computed once (index blocks of
    /// consecutive computations, repeated loads of inputs);</item>
    /// <item><see cref="FuseScratchLoops"/>: two loops over the same range, the second reading back a scratch block the
    /// first stored, become one loop that uses the stored value;</item>
    /// <item><see cref="ForwardScratchStores"/>: a scratch block a program stores and reads back at the same indices is
    /// used as the value it stored;</item>
    /// <item><see cref="EliminateDeadValues"/>: drop ops (and loops) whose results no store needs.</item>
    /// </list></summary>
    public static ImmutableArray<IBlockPass> DefaultPasses { get; } =
        [new FoldScalarConstants(), new EliminateCommonSubexpressions(), new FuseScratchLoops(), new ForwardScratchStores(), new EliminateDeadValues()];

    public static BlockPipeline Default { get; } = new(DefaultPasses);

    /// <summary>An empty list (the kernel as lowered).</summary>
    public static BlockPipeline Empty { get; } = new([]);

    public ImmutableArray<IBlockPass> Passes { get; } = [.. passes];

    /// <summary>This list with <paramref name="pass"/> inserted after the pass named <paramref name="after"/> (or at the
    /// end when null).</summary>
    public BlockPipeline With(IBlockPass pass, string? after = null) =>
        after is null ? new BlockPipeline(Passes.Add(pass)) : Insert(IndexOf(after) + 1, pass);

    /// <summary>This list with <paramref name="pass"/> inserted at <paramref name="position"/> (0 = before every pass).</summary>
    public BlockPipeline Insert(int position, IBlockPass pass)
    {
        if (position < 0 || position > Passes.Length)
            throw new StrataException(ErrorCode.InvalidArgument, $"position {position} is outside the Block pipeline (0..{Passes.Length})",
                "insert at 0 (first) up to the number of passes (last)");
        return new BlockPipeline(Passes.Insert(position, pass));
    }

    /// <summary>This list without the pass named <paramref name="name"/> (to bisect a wrong result).</summary>
    public BlockPipeline Without(string name) => new(Passes.RemoveAt(IndexOf(name)));

    /// <summary>Runs every pass on <paramref name="kernel"/>, calling the hooks after each.</summary>
    public BlockKernel Run(BlockKernel kernel, BlockPipelineHooks? hooks = null)
    {
        hooks ??= BlockPipelineHooks.None;
        foreach (var pass in Passes)
        {
            var next = pass.Run(kernel);
            CheckContract(pass, kernel, next);
            kernel = next;
            hooks.AfterPass?.Invoke(pass.Name, kernel);
            Verify(hooks, pass.Name, kernel);
        }
        return kernel;
    }

    /// <summary>Runs the verifier hook on <paramref name="kernel"/>; problems become one error naming <paramref name="after"/>.</summary>
    public static void Verify(BlockPipelineHooks hooks, string after, BlockKernel kernel)
    {
        if (hooks.VerifyKernel?.Invoke(kernel) is not { Count: > 0 } problems) return;
        throw new StrataException(ErrorCode.InvalidIr,
            $"block kernel @{kernel.Name} is invalid after {after}: {string.Join("; ", problems)}",
            after == "lower" ? "Tile→Block lowering produced an invalid kernel: fix the lowering" : $"the pass {after} is wrong: fix it or remove it from the pipeline",
            $"block kernel @{kernel.Name}");
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < Passes.Length; i++)
            if (Passes[i].Name == name) return i;
        throw new StrataException(ErrorCode.InvalidArgument, $"the Block pipeline has no pass named '{name}'",
            Passes.IsEmpty ? "the pipeline is empty" : $"passes are: {string.Join(", ", Passes.Select(p => p.Name))}");
    }

    /// <summary>Passes keep the kernel's name and parameters, so the same arguments run it before and after.</summary>
    private static void CheckContract(IBlockPass pass, BlockKernel before, BlockKernel after)
    {
        string? problem = after.Name != before.Name ? $"renamed the kernel to @{after.Name}"
            : !after.Params.SequenceEqual(before.Params) ? "changed the kernel's parameters"
            : null;
        if (problem is not null)
            throw new StrataException(ErrorCode.InvalidIr, $"the Block pass {pass.Name} {problem} of @{before.Name}",
                "a Block pass keeps the kernel's name and parameters", $"block kernel @{before.Name}");
    }
}
