using System.Collections.Immutable;
using Strata.Block;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Graph;
using Strata.Machine;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;
using Strata.Machine.Passes;
using Strata.Tile;
using Strata.Tile.Execution;

namespace Strata.Conformance.Checking;

/// <summary><c>strata check</c>: runs the reference interpreter once, keeping every intermediate value, then runs every
/// kernel at every stage of compilation — the Tile kernel as fusion formed it and after each Tile pass, the Block kernel
/// right after lowering and after each Block pass, with <see cref="CheckOptions.MachineTarget"/> the Machine kernel right
/// after lowering and after each Machine pass — on the same inputs (the kernel's input values from the reference
/// run), and compares each stage's outputs with the reference values of the kernel's output graph values. Per kernel it
/// reports the first stage that diverges beyond tolerance, so a wrong result is pinned to one level and one pass.
/// Values that graph passes introduce (a padded or subsampled copy of a conv's input) have no value in that run: they
/// come from a second reference run of the graph after its passes, and the kernel's line names them.</summary>
public sealed class ModelChecker(CheckOptions? options = null)
{
    public CheckOptions Options { get; } = options ?? CheckOptions.Default;

    /// <summary>Checks <paramref name="graph"/> on <paramref name="inputs"/>. The graph is specialised and changed by the
    /// graph passes in place (after the reference run).</summary>
    public CheckReport Check(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        ReferenceValues reference;
        try
        {
            reference = ReferenceValues.Capture(graph, inputs, new OpRegistry(Options.Compiler.Registry));
        }
        catch (StrataException e)
        {
            throw new StrataException(e.Code, $"the reference run failed on these inputs: {e.Message}",
                e.Hint ?? "check the inputs (random inputs may be out of range for indices: give them with --input)", e.Location, e);
        }
        var compiler = new Compiler(Options.Compiler with { RecordStages = true, ContinueOnKernelError = true });
        var model = compiler.Compile(graph, inputs);
        var afterPasses = new Lazy<(ReferenceValues? Values, string? Failure)>(() => AfterPasses(graph, inputs));
        var kernels = model.Kernels.Select(k => CheckKernel(k, reference, afterPasses, model.Program.Derived)).ToImmutableArray();
        var fallbacks = model.Program.Fallbacks.Select(f => (f.Node.OpKey, f.Reason)).ToImmutableArray();
        return new CheckReport(graph.Name, kernels, fallbacks, Options.Tolerance);
    }

    /// <summary>The reference run of the graph after the graph passes (the compiler changed it in place), for the
    /// values those passes introduced; its failure, if it failed.</summary>
    private (ReferenceValues?, string?) AfterPasses(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        try
        {
            return (ReferenceValues.Capture(graph, inputs, new OpRegistry(Options.Compiler.Registry)), null);
        }
        catch (StrataException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Checks one compiled kernel (compiled with <see cref="CompilerOptions.RecordStages"/>) against
    /// <paramref name="reference"/>, stage by stage, stopping at the first divergence. A value <paramref name="reference"/>
    /// lacks (one a graph pass introduced) is taken from <paramref name="afterPasses"/>, the reference run of the graph
    /// after its passes, where given. A value a program pass stored in another layout (<paramref name="derived"/>) is
    /// compared with its source's reference value, relaid out by the Tile interpreter.</summary>
    public KernelCheck CheckKernel(CompiledKernel kernel, ReferenceValues reference,
        Lazy<(ReferenceValues? Values, string? Failure)>? afterPasses = null, IReadOnlyDictionary<Value, DerivedValue>? derived = null)
    {
        var step = kernel.FusedStep;
        var ops = step.Nodes.Select(n => n.OpKey).ToImmutableArray();
        var stages = kernel.Stages.ToList();
        var failure = kernel.Failure;
        if (failure is null && Options.MachineTarget is { } target && kernel.Block is { } block && kernel.Config is { } config)
            failure = MachineStages(block, config, target, stages);
        int total = stages.Count + (failure is null ? 0 : 1);

        var introduced = ImmutableArray.CreateBuilder<string>();
        var relaid = ImmutableArray.CreateBuilder<string>();
        bool Lookup(Value value, out RuntimeValue? result)
        {
            // A value a program pass relaid out is in no reference run: its source's value, relaid out the same way.
            if (derived is not null && derived.TryGetValue(value, out var d))
            {
                result = null;
                if (!Lookup(d.Source, out var source) || source is not Tensor t) return false;
                result = TileInterpreter.Run(d.Relayout, [TileProgramExecutor.AsShaped(t, d.Relayout.Inputs[0].Shape)])[0];
                relaid.Add($"{value.Name} from %{d.Source.Name}");
                return true;
            }
            if (reference.TryGet(value, out result)) return true;
            if (afterPasses?.Value.Values is not { } later || !later.TryGet(value, out result)) return false;
            introduced.Add(value.Name);
            return true;
        }
        string Missing(string what) => afterPasses?.Value.Failure is { } why
            ? $"the reference run has no tensor for {what}, and the run of the graph after its passes failed: {why}"
            : $"the reference run has no tensor for {what}";

        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < step.Inputs.Length; i++)
        {
            if (!Lookup(step.Inputs[i], out var v) || v is not Tensor t)
                return new KernelCheck(kernel.Name, ops, total, null, Missing($"input %{step.Inputs[i].Name}"));
            inputs[step.Kernel.Inputs[i].Name] = t;
        }
        var expected = new Dictionary<string, (string Value, RuntimeValue? Tensor)>(StringComparer.Ordinal);
        for (int i = 0; i < step.Outputs.Length; i++)
            expected[step.Kernel.Outputs[i].Name] = (step.Outputs[i].Name, Lookup(step.Outputs[i], out var v) ? v : null);

        var fromPasses = introduced.ToImmutable();
        var relaidOut = relaid.ToImmutable();
        for (int s = 0; s < stages.Count; s++)
        {
            var stage = stages[s];
            if (Compare(stage, s + 1, inputs, expected) is { } divergence)
                return new KernelCheck(kernel.Name, ops, total, divergence) { FromGraphPasses = fromPasses, Relaid = relaidOut };
        }
        if (failure is { } f)
            return new KernelCheck(kernel.Name, ops, total, new StageDivergence(f.Level, f.Pass, total, null, $"failed to compile: {f.Message}", null))
                { FromGraphPasses = fromPasses, Relaid = relaidOut };
        return new KernelCheck(kernel.Name, ops, total, null) { FromGraphPasses = fromPasses, Relaid = relaidOut };
    }

    /// <summary>Lowers <paramref name="block"/> to the Machine level and runs the Machine passes, adding each stage to
    /// <paramref name="stages"/>; returns the stage that failed, if one did.</summary>
    private StageFailure? MachineStages(BlockKernel block, Config config, Target target, List<KernelStage> stages)
    {
        int before = stages.Count;
        try
        {
            var lowered = BlockToMachine.Lower(block, config, target, Options.MachineLowering);
            stages.Add(new MachineKernelStage(KernelStage.Lower, lowered));
            Options.MachinePasses.Run(lowered, new MachinePipelineHooks { AfterPass = (p, k) => stages.Add(new MachineKernelStage(p, k)) });
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Lowering failed if it added no stage; otherwise the pass after the last recorded stage did.
            int done = stages.Count - before;
            string pass = done == 0 ? KernelStage.Lower : Options.MachinePasses.Passes[done - 1].Name;
            return new StageFailure(StageLevel.Machine, pass, e is StrataException ? e.Message : $"{e.GetType().Name}: {e.Message}");
        }
    }

    private StageDivergence? Compare(KernelStage stage, int number, Dictionary<string, Tensor> inputs,
        Dictionary<string, (string Value, RuntimeValue? Tensor)> expected)
    {
        IReadOnlyList<(string Buffer, Tensor Value)> outputs;
        try
        {
            outputs = Run(stage, inputs);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string what = e is StrataException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            return new StageDivergence(stage.Level, stage.Pass, number, null, $"the kernel failed to run: {what}", null);
        }
        foreach (var (buffer, computed) in outputs)
        {
            var actual = expected.TryGetValue(buffer, out var shaped) && shaped.Tensor is Tensor reference
                ? TileProgramExecutor.AsShaped(computed, [.. reference.Shape.Select(d => (long)d)]) : computed;
            if (!expected.TryGetValue(buffer, out var want))
                return new StageDivergence(stage.Level, stage.Pass, number, buffer, "the kernel has an output that fusion did not give it", null);
            if (want.Tensor is null)
                return new StageDivergence(stage.Level, stage.Pass, number, want.Value, "the reference run produced no value for this output", null);
            if (Options.Tolerance.Compare(actual, want.Tensor) is not { } why) continue;
            var stats = want.Tensor is Tensor e && actual.DataType == e.DataType && actual.Shape.AsSpan().SequenceEqual(e.Shape)
                ? ErrorStats.Of(actual, e, Options.Tolerance) : null;
            return new StageDivergence(stage.Level, stage.Pass, number, want.Value, why, stats);
        }
        foreach (var (buffer, want) in expected)
            if (!outputs.Any(o => o.Buffer == buffer))
                return new StageDivergence(stage.Level, stage.Pass, number, want.Value, $"the kernel no longer writes %{buffer}", null);
        return null;
    }

    /// <summary>Runs one stage's kernel with its inputs bound by buffer (parameter) name; returns its outputs by name.</summary>
    private IReadOnlyList<(string Buffer, Tensor Value)> Run(KernelStage stage, Dictionary<string, Tensor> inputs)
    {
        switch (stage)
        {
            case TileStage t:
            {
                var args = t.Kernel.Inputs.Select(b => TileProgramExecutor.AsShaped(Input(inputs, b.Name, t.Name), b.Shape)).ToList();
                var outs = TileInterpreter.Run(t.Kernel, args);
                return [.. t.Kernel.Outputs.Select((b, i) => (b.Name, outs[i]))];
            }
            case BlockStage b:
            {
                var args = b.Kernel.Params.Where(p => p.Role == ParamRole.Input).Select(p => TileProgramExecutor.AsShaped(Input(inputs, p.Name, b.Name), p.Shape)).ToList();
                var outs = BlockInterpreter.Call(b.Kernel, args, Options.BlockRun);
                return [.. b.Kernel.Params.Where(p => p.Role == ParamRole.Output).Select((p, i) => (p.Name, outs[i]))];
            }
            case MachineKernelStage m:
            {
                var args = m.Kernel.Params.Where(p => p.Role == ParamRole.Input).Select(p => TileProgramExecutor.AsShaped(Input(inputs, p.Name, m.Name), p.Shape)).ToList();
                var outs = MachineInterpreter.Call(m.Kernel, args, Options.MachineRun);
                return [.. m.Kernel.Params.Where(p => p.Role == ParamRole.Output).Select((p, i) => (p.Name, outs[i]))];
            }
            default:
                throw new StrataException(ErrorCode.InvalidArgument, $"unknown stage kind {stage.GetType().Name}", "check Tile, Block and Machine stages");
        }
    }

    private static Tensor Input(Dictionary<string, Tensor> inputs, string name, string stage) =>
        inputs.TryGetValue(name, out var t) ? t
        : throw new StrataException(ErrorCode.InvalidIr, $"at {stage} the kernel reads %{name}, which fusion did not bind",
            "a pass may drop inputs but never add them");
}
