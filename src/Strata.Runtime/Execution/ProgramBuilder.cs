using System.Collections.Immutable;
using Strata.Block;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Graph;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>Assembles a <see cref="NativeProgram"/> from a compiled model and one runner per kernel: decides where
/// every value lives (<see cref="SlotKind"/>), computes the liveness of the intermediates in step order, plans the
/// arena (<see cref="MemoryPlan"/>; in-place concats, <see cref="InPlaceConcats"/>, are planned as their outputs, and
/// outputs written over dying inputs, <see cref="InPlaceOutputs"/>, as those inputs) and copies the constants kernels
/// read into native memory.</summary>
internal sealed class ProgramBuilder
{
    private readonly Graph.Graph _graph;
    private readonly List<ProgramSlot> _slots = [];
    private readonly Dictionary<Value, int> _slotOf = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Value> _defined;
    private readonly HashSet<KernelRunner> _inPlace = new(ReferenceEqualityComparer.Instance);

    private ProgramBuilder(Graph.Graph graph)
    {
        _graph = graph;
        _defined = new HashSet<Value>(graph.DefinedValues(), ReferenceEqualityComparer.Instance);
    }

    /// <param name="runners">One runner per kernel step of <paramref name="model"/>, in step order.</param>
    public static NativeProgram Build(CompiledModel model, IReadOnlyList<KernelRunner> runners, ExecutionLevel level,
        TimeSpan compileTime, WorkerPool pool, ExtensionRegistry registry)
    {
        var b = new ProgramBuilder(model.Graph);
        var (steps, fallbacks) = b.Steps(model, runners);
        var overInput = InPlaceOutputs.Place(b._slots, steps.OfType<KernelExecStep>());
        InPlaceConcats.ExtendRoots(b._slots);
        var arena = b._slots.Where(s => s.Kind == SlotKind.Arena && s.AliasOf < 0).ToList();
        var plan = MemoryPlan.Create([.. arena.Select(s => new BufferRequest(s.Name, s.Bytes, s.FirstUse, s.LastUse))]);
        for (int i = 0; i < arena.Count; i++) arena[i].Offset = plan.Placements[i].Offset;
        InPlaceConcats.PlaceInside(b._slots);
        InPlaceConcats.Check(b._slots);
        long constantBytes = 0, foldedBytes = 0;
        foreach (var s in b._slots.Where(s => s.Kind == SlotKind.Constant && s.KernelUse))
        {
            s.ConstantData = new AlignedBuffer(s.Bytes);
            if (s.Folded) foldedBytes += s.Bytes;
            else NativeTensors.CopyTo(s.Value!.Constant!, s.ConstantData.Address, s.Bytes);
            constantBytes += s.Bytes;
        }
        var folded = steps.OfType<KernelExecStep>().Where(k => k.Folded).Select(k => k.Runner).ToHashSet();
        var stats = new ProgramStats(level,
            [.. runners.Select(r => new KernelReport(r.Name, r.Level, r.Reason, r.Programs, r.LocalBytes, r.CompileTime, folded.Contains(r), b._inPlace.Contains(r), overInput.Contains(r)))],
            fallbacks, plan.ArenaBytes, plan.IntermediateBytes, plan.PeakLiveBytes, GraphIntermediateBytes(model.Graph),
            constantBytes, foldedBytes, compileTime);
        return new NativeProgram(model.Graph, [.. b._slots], steps, b._slotOf, plan, stats, pool, registry);
    }

    private (ImmutableArray<ExecStep>, ImmutableArray<FallbackReport>) Steps(CompiledModel model, IReadOnlyList<KernelRunner> runners)
    {
        // Graph inputs, constants and outputs first, so their slots (and names) come in a stable order.
        foreach (var v in _graph.Inputs) Slot(v);
        foreach (var v in _graph.Constants) Slot(v);
        foreach (var v in _graph.Outputs) Slot(v);

        // Kernel i of the model is the i-th kernel step in the compiled order; then the steps run in schedule order.
        var source = model.Program.Steps;
        var kernelOf = new int[source.Length];
        for (int s = 0, k = 0; s < source.Length; s++) kernelOf[s] = source[s] is KernelStep ? k++ : -1;

        var steps = ImmutableArray.CreateBuilder<ExecStep>();
        var fallbacks = ImmutableArray.CreateBuilder<FallbackReport>();
        int args = 0, i = 0;
        foreach (int original in StepSchedule.SinkSources(source))
        {
            switch (source[original])
            {
                case KernelStep:
                {
                    var runner = runners[kernelOf[original]];
                    var compiled = model.Kernels[kernelOf[original]];
                    bool fold = Foldable(compiled.Step);
                    if (fold)
                        foreach (var v in compiled.Step.Outputs) (_slots[Slot(v)].Kind, _slots[Slot(v)].Folded) = (SlotKind.Constant, true);
                    var slots = runner.Params.Select(p => Bind(i, compiled.Step, runner, p)).ToImmutableArray();
                    if (!fold && InPlaceConcats.TryPlace(compiled.Step, _graph, v => _slots[Slot(v)]))
                    {
                        _inPlace.Add(runner); // its inputs now lie inside its output: nothing to run
                        break;
                    }
                    steps.Add(new KernelExecStep(i, runner, slots, args, fold));
                    args += slots.Length;
                    break;
                }
                case FallbackStep f:
                {
                    foreach (var v in f.Node.Inputs.OfType<Value>().Concat(StepSchedule.Captured(f.Node).Where(IsOuter))) _slots[Slot(v)].Touch(i);
                    var outs = f.Node.Outputs.Select(o => o is null ? -1 : Slot(o)).ToImmutableArray();
                    foreach (int o in outs) if (o >= 0) _slots[o].Touch(i);
                    steps.Add(new FallbackExecStep(i, f, outs));
                    fallbacks.Add(new FallbackReport(f.Node.Describe(), f.Node.OpKey, f.Reason));
                    break;
                }
                default:
                    throw new StrataException(ErrorCode.InvalidIr, $"unknown program step {source[original].GetType().Name}", "use kernel or fallback steps");
            }
            i++;
        }
        return (steps.ToImmutable(), fallbacks.ToImmutable());
    }

    /// <summary>The slot of one kernel parameter at step <paramref name="index"/>: the graph value bound to the Tile
    /// buffer of the same name, or a fresh arena slot for scratch (alive during this step only).</summary>
    private int Bind(int index, KernelStep step, KernelRunner runner, RunnerParam p)
    {
        ProgramSlot slot;
        if (p.Role == ParamRole.Scratch)
        {
            slot = Add(new ProgramSlot(_slots.Count, $"{runner.Name}.{p.Name}", null, SlotKind.Arena));
        }
        else
        {
            var buffers = p.Role == ParamRole.Input ? step.Kernel.Inputs : step.Kernel.Outputs;
            var values = p.Role == ParamRole.Input ? step.Inputs : step.Outputs;
            int at = -1;
            for (int j = 0; j < buffers.Length && at < 0; j++) if (buffers[j].Name == p.Name) at = j;
            if (at < 0)
                throw new StrataException(ErrorCode.InvalidIr, $"kernel @{runner.Name} parameter %{p.Name} matches no buffer of its Tile kernel",
                    "a lowering renamed a parameter", $"kernel @{runner.Name}");
            slot = _slots[Slot(values[at])];
            if (slot.Kind == SlotKind.Managed) slot.Kind = SlotKind.Arena;
            if (p.Role == ParamRole.Output) slot.KernelProduced = true;
        }
        if (slot.KernelUse && (slot.Element != p.Element || slot.Bytes != p.Bytes))
            throw new StrataException(ErrorCode.TypeMismatch,
                $"kernel @{runner.Name} sees %{slot.Name} as {p.Element.ShortName()}{ShapeMath.Format(p.IntShape)}, another step as {slot.Element.ShortName()}{ShapeMath.Format(slot.Shape)}",
                "a lowering changed a tensor's type or size", $"kernel @{runner.Name}");
        if (slot.Value?.Type is TensorType { ElementType: var e } && e != DataType.Undefined && e != p.Element)
            throw new StrataException(ErrorCode.TypeMismatch,
                $"kernel @{runner.Name} sees %{slot.Name} as {p.Element.ShortName()}, the graph says {e.ShortName()}",
                "a lowering changed a tensor's element type", $"kernel @{runner.Name}");
        if (!slot.KernelUse)
        {
            // The value's own shape where the graph knows it (inputs are checked against it); the bytes are the param's.
            slot.Element = p.Element;
            slot.Shape = slot.Value?.TensorType?.Shape?.ToConcrete() is { } shape && ShapeMath.Size(shape) * (long)NativeTensors.ElementSize(p.Element) == p.Bytes
                ? shape : p.IntShape;
            slot.Bytes = p.Bytes;
            slot.KernelUse = true;
        }
        slot.Touch(index);
        return slot.Id;
    }

    /// <summary>A kernel that reads only constants (graph constants, outputs of folded kernels) computes constants: it
    /// runs once, not per run, and its outputs are not intermediates (a model whose weights are generated by
    /// <c>ConstantOfShape</c> keeps them like initializers). Not when an output is a graph output (those are fresh per run).</summary>
    private bool Foldable(KernelStep step) =>
        step.Inputs.All(v => _slots[Slot(v)].Kind == SlotKind.Constant)
        && step.Outputs.All(v => _slots[Slot(v)].Kind == SlotKind.Managed);

    private int Slot(Value v)
    {
        if (_slotOf.TryGetValue(v, out int id)) return id;
        var kind = _graph.Inputs.Contains(v) ? SlotKind.Input
            : v.IsConstant ? SlotKind.Constant
            : _graph.Outputs.Contains(v) ? SlotKind.Output
            : SlotKind.Managed;
        var slot = Add(new ProgramSlot(_slots.Count, v.Name, v, kind));
        _slotOf[v] = slot.Id;
        return slot.Id;
    }

    private ProgramSlot Add(ProgramSlot slot)
    {
        _slots.Add(slot);
        return slot;
    }

    /// <summary>See <see cref="ProgramStats.GraphIntermediateBytes"/>: per-run tensors only (a value computed from
    /// constants alone is a weight, however it is written), each counted once.</summary>
    private static long GraphIntermediateBytes(Graph.Graph graph)
    {
        var perRun = new HashSet<Value>(graph.Inputs, ReferenceEqualityComparer.Instance);
        var outputs = new HashSet<Value>(graph.Outputs, ReferenceEqualityComparer.Instance);
        long bytes = 0;
        foreach (var node in graph.Nodes)
        {
            if (!node.Inputs.OfType<Value>().Concat(StepSchedule.Captured(node)).Any(perRun.Contains)) continue;
            foreach (var o in node.Outputs.OfType<Value>())
            {
                perRun.Add(o);
                if (!outputs.Contains(o) && o.TensorType is { Shape: { } s } t && s.ToConcrete() is { } shape && t.ElementType != DataType.String)
                    bytes += NativeTensors.Bytes(t.ElementType, shape.Select(d => (long)d));
            }
        }
        return bytes;
    }

    /// <summary>Defined in the main graph (an input, constant or node output of it).</summary>
    private bool IsOuter(Value v) => _defined.Contains(v);
}
