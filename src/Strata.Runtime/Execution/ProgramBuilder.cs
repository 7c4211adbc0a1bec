using System.Collections.Immutable;
using Strata.Block;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Graph;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>Assembles a <see cref="NativeProgram"/> from a compiled model and one runner per kernel: decides where
/// every value lives (<see cref="SlotKind"/>), computes the liveness of the intermediates in step order, plans the
/// arena (<see cref="MemoryPlan"/>) and copies the constants kernels read into native memory.</summary>
internal sealed class ProgramBuilder
{
    private readonly Graph.Graph _graph;
    private readonly List<ProgramSlot> _slots = [];
    private readonly Dictionary<Value, int> _slotOf = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Value> _defined;

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
        var arena = b._slots.Where(s => s.Kind == SlotKind.Arena).ToList();
        var plan = MemoryPlan.Create([.. arena.Select(s => new BufferRequest(s.Name, s.Bytes, s.FirstUse, s.LastUse))]);
        for (int i = 0; i < arena.Count; i++) arena[i].Offset = plan.Placements[i].Offset;
        long constantBytes = 0;
        foreach (var s in b._slots.Where(s => s.Kind == SlotKind.Constant && s.KernelUse))
        {
            s.ConstantData = new AlignedBuffer(s.Bytes);
            NativeTensors.CopyTo(s.Value!.Constant!, s.ConstantData.Address, s.Bytes);
            constantBytes += s.Bytes;
        }
        var stats = new ProgramStats(level,
            [.. runners.Select(r => new KernelReport(r.Name, r.Level, r.Reason, r.Programs, r.LocalBytes, r.CompileTime))],
            fallbacks, plan.ArenaBytes, plan.IntermediateBytes, constantBytes, compileTime);
        return new NativeProgram(model.Graph, [.. b._slots], steps, b._slotOf, plan, stats, pool, registry);
    }

    private (ImmutableArray<ExecStep>, ImmutableArray<FallbackReport>) Steps(CompiledModel model, IReadOnlyList<KernelRunner> runners)
    {
        // Graph inputs, constants and outputs first, so their slots (and names) come in a stable order.
        foreach (var v in _graph.Inputs) Slot(v);
        foreach (var v in _graph.Constants) Slot(v);
        foreach (var v in _graph.Outputs) Slot(v);

        var steps = ImmutableArray.CreateBuilder<ExecStep>();
        var fallbacks = ImmutableArray.CreateBuilder<FallbackReport>();
        int kernel = 0, args = 0;
        for (int i = 0; i < model.Program.Steps.Length; i++)
        {
            switch (model.Program.Steps[i])
            {
                case KernelStep k:
                {
                    var runner = runners[kernel];
                    var compiled = model.Kernels[kernel++];
                    var slots = runner.Params.Select(p => Bind(i, compiled.Step, runner, p)).ToImmutableArray();
                    steps.Add(new KernelExecStep(i, runner, slots, args));
                    args += slots.Length;
                    break;
                }
                case FallbackStep f:
                {
                    foreach (var v in f.Node.Inputs.OfType<Value>().Concat(Captured(f.Node))) _slots[Slot(v)].Touch(i);
                    var outs = f.Node.Outputs.Select(o => o is null ? -1 : Slot(o)).ToImmutableArray();
                    foreach (int o in outs) if (o >= 0) _slots[o].Touch(i);
                    steps.Add(new FallbackExecStep(i, f, outs));
                    fallbacks.Add(new FallbackReport(f.Node.Describe(), f.Node.OpKey, f.Reason));
                    break;
                }
                default:
                    throw new StrataException(ErrorCode.InvalidIr, $"unknown program step {model.Program.Steps[i].GetType().Name}", "use kernel or fallback steps");
            }
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

    /// <summary>Values of this graph that a node's subgraphs (If/Loop/Scan bodies, at any depth) read: the reference
    /// op looks them up while it runs, so they must be alive (and readable) at that step.</summary>
    private IEnumerable<Value> Captured(Node node)
    {
        var found = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        void Walk(Graph.Graph g)
        {
            foreach (var n in g.Nodes)
            {
                foreach (var v in n.Inputs.OfType<Value>()) if (IsOuter(v)) found.Add(v);
                Subgraphs(n).ToList().ForEach(Walk);
            }
            foreach (var v in g.Outputs) if (IsOuter(v)) found.Add(v);
        }
        Subgraphs(node).ToList().ForEach(Walk);
        return found.Where(IsOuter).OrderBy(v => v.Name, StringComparer.Ordinal);
    }

    /// <summary>Defined in the main graph (an input, constant or node output of it).</summary>
    private bool IsOuter(Value v) => _defined.Contains(v);

    private static IEnumerable<Graph.Graph> Subgraphs(Node node) =>
        node.Attributes.Values.SelectMany(a => a.Kind switch
        {
            AttributeKind.Graph => [a.AsGraph()],
            AttributeKind.Graphs => a.AsGraphs(),
            _ => Array.Empty<Graph.Graph>(),
        });
}
