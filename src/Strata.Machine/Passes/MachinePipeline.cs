using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Machine.Passes;

/// <summary>The Machine-level passes, in order, as a visible list (like <c>BlockPipeline</c>): every kernel that
/// Block→Machine lowering produces goes through each pass; after each one the hooks may verify it and dump its text.
/// Extra passes (plugins, test-only passes) are injected at a given position with <see cref="With"/> or
/// <see cref="Insert"/>.</summary>
public sealed class MachinePipeline(IEnumerable<IMachinePass> passes)
{
    /// <summary>The default list: <see cref="HoistLoopInvariants"/> (index arithmetic out of the loops it does not vary
    /// in), <see cref="ReuseScalarIndices"/> (each index value computed once where it is computed several times),
    /// <see cref="SplitDigitLoops"/> (a loop whose counter is split into digits by constants becomes one loop per
    /// digit, then hoisting again; after the reuse, which merges the divisions' copies),
    /// <see cref="CountDivisions"/> (other divisions of a loop's counter by constants stepped as counters).
    /// <see cref="PrefetchEpilogueReads"/> (an epilogue's parameter reads prefetched before the reduction loop).
    /// Lowering emits the kernel otherwise in its final form.</summary>
    public static ImmutableArray<IMachinePass> DefaultPasses { get; } = [new HoistLoopInvariants(), new ReuseScalarIndices(), new SplitDigitLoops(), new CountDivisions(), new PrefetchEpilogueReads()];

    public static MachinePipeline Default { get; } = new(DefaultPasses);

    /// <summary>An empty list (the kernel as lowered).</summary>
    public static MachinePipeline Empty { get; } = new([]);

    public ImmutableArray<IMachinePass> Passes { get; } = [.. passes];

    /// <summary>This list with <paramref name="pass"/> inserted right after the pass named <paramref name="after"/>,
    /// right before the one named <paramref name="before"/>, or at the end when both are null.</summary>
    public MachinePipeline With(IMachinePass pass, string? after = null, string? before = null)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (after is not null && before is not null)
            throw new StrataException(ErrorCode.InvalidArgument, $"the Machine pass {pass.Name} is placed both after '{after}' and before '{before}'",
                "give one position: after or before");
        return after is not null ? Insert(IndexOf(after) + 1, pass)
            : before is not null ? Insert(IndexOf(before), pass)
            : new MachinePipeline(Passes.Add(pass));
    }

    /// <summary>This list with <paramref name="pass"/> inserted at <paramref name="position"/> (0 = before every pass).</summary>
    public MachinePipeline Insert(int position, IMachinePass pass)
    {
        if (position < 0 || position > Passes.Length)
            throw new StrataException(ErrorCode.InvalidArgument, $"position {position} is outside the Machine pipeline (0..{Passes.Length})",
                "insert at 0 (first) up to the number of passes (last)");
        return new MachinePipeline(Passes.Insert(position, pass));
    }

    /// <summary>This list without the pass named <paramref name="name"/> (to bisect a wrong result).</summary>
    public MachinePipeline Without(string name) => new(Passes.RemoveAt(IndexOf(name)));

    /// <summary>Runs every pass on <paramref name="kernel"/>, calling the hooks after each.</summary>
    public MachineKernel Run(MachineKernel kernel, MachinePipelineHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        hooks ??= MachinePipelineHooks.None;
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

    /// <summary>Runs the verifier hook on <paramref name="kernel"/>; problems become one error naming <paramref name="after"/>
    /// (a pass name, or <c>lower</c> for the kernel as Block→Machine lowering produced it).</summary>
    public static void Verify(MachinePipelineHooks hooks, string after, MachineKernel kernel)
    {
        if (hooks.VerifyKernel?.Invoke(kernel) is not { Count: > 0 } problems) return;
        throw new StrataException(ErrorCode.VerificationFailed,
            $"machine kernel @{kernel.Name} is invalid after {after}: {string.Join("; ", problems)}",
            after == Lower ? "Block→Machine lowering produced an invalid kernel: fix the lowering" : $"the Machine pass {after} is wrong: fix it or remove it from the pipeline",
            $"machine kernel @{kernel.Name}");
    }

    /// <summary>The stage name of the kernel as lowering produced it (before any pass).</summary>
    public const string Lower = "lower";

    private int IndexOf(string name)
    {
        for (int i = 0; i < Passes.Length; i++)
            if (Passes[i].Name == name) return i;
        throw new StrataException(ErrorCode.InvalidArgument, $"the Machine pipeline has no pass named '{name}'",
            Passes.IsEmpty ? "the pipeline is empty" : $"passes are: {string.Join(", ", Passes.Select(p => p.Name))}");
    }

    /// <summary>Passes keep the kernel's name, target and parameters, so the same arguments run it before and after.</summary>
    private static void CheckContract(IMachinePass pass, MachineKernel before, MachineKernel? after)
    {
        string? problem = after is null ? "returned no kernel for"
            : after.Name != before.Name ? $"renamed the kernel to @{after.Name}; it was"
            : after.Target.Name != before.Target.Name ? $"changed the target to {after.Target.Name} of"
            : !after.Params.SequenceEqual(before.Params) ? "changed the parameters of"
            : null;
        if (problem is not null)
            throw new StrataException(ErrorCode.InvalidIr, $"the Machine pass {pass.Name} {problem} @{before.Name}",
                "a Machine pass keeps the kernel's name, target and parameters", $"machine kernel @{before.Name}");
    }
}
