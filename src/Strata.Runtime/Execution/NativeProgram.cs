using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Strata.Core;
using Strata.Graph;

namespace Strata.Runtime;

/// <summary>A model compiled for one input signature: its steps (kernels at their level, fallback nodes), where every
/// value lives (<see cref="SlotKind"/>), the memory plan of the intermediates and the constants in native memory.
/// <see cref="Run"/> may be called from several threads at once: each run rents its own <see cref="RunContext"/>
/// (arena, local scratch, argument arrays), which is kept for the next run.</summary>
public sealed unsafe class NativeProgram : IDisposable
{
    private readonly ImmutableArray<ProgramSlot> _slots;
    private readonly ImmutableArray<ExecStep> _steps;
    private readonly Dictionary<Value, int> _slotOf;
    private readonly WorkerPool _pool;
    private readonly GraphInterpreter _reference;
    private readonly ConcurrentBag<RunContext> _contexts = [];
    /// <summary>The context of the last run, taken without the bag's cost (runs one at a time are the usual case);
    /// concurrent runs use the bag.</summary>
    private RunContext? _spare;
    private readonly long _localBytes;
    private readonly int _argCount;
    private readonly Lock _foldLock = new();
    private volatile bool _folded;
    private bool _disposed;

    internal NativeProgram(Graph.Graph graph, ImmutableArray<ProgramSlot> slots, ImmutableArray<ExecStep> steps,
        Dictionary<Value, int> slotOf, MemoryPlan plan, ProgramStats stats, WorkerPool pool, ExtensionRegistry registry)
    {
        Graph = graph;
        _slots = slots;
        _steps = steps;
        _slotOf = slotOf;
        Plan = plan;
        Stats = stats;
        _pool = pool;
        _reference = new GraphInterpreter(new OpRegistry(registry));
        var kernels = steps.OfType<KernelExecStep>().ToList();
        _localBytes = kernels.Select(k => k.Runner.LocalBytes).DefaultIfEmpty(0).Max();
        _argCount = kernels.Sum(k => k.ParamSlots.Length);
    }

    /// <summary>The graph as compiled (specialised to the signature's shapes, after the graph passes).</summary>
    public Graph.Graph Graph { get; }

    public MemoryPlan Plan { get; }

    /// <summary>Every value in the arena (intermediates and scratch, including those placed inside in-place concats,
    /// which <see cref="Plan"/> does not list), in slot order.</summary>
    public IReadOnlyList<ArenaValue> ArenaValues => [.. _slots.Where(s => s.Kind == SlotKind.Arena)
        .Select(s => new ArenaValue(s.Name, s.Offset, s.Bytes, s.FirstUse, s.LastUse, s.AliasOf >= 0 ? _slots[s.AliasOf].Name : null))];

    public ProgramStats Stats { get; }

    /// <summary>Runs the program on named inputs (already validated against the model by the session); returns every
    /// graph output by name, in fresh tensors (a graph output that is an input is that input).</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs) => Run(inputs, null);

    /// <summary><see cref="Run(IReadOnlyDictionary{string, RuntimeValue})"/>, recording each step's time in
    /// <paramref name="profile"/> (when not null).</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs, RunProfile? profile) =>
        Run(inputs, null, profile);

    /// <summary>Runs the program writing the named graph outputs into the caller's tensors (<paramref name="outputs"/>,
    /// each of the output's element type and shape; outputs not named get fresh tensors): a kernel writes such an output
    /// in place, any other producer's value is copied in. The returned dictionary holds the caller's tensors for them.
    /// Saves allocating (and zeroing) every output per run — ONNX Runtime's pre-allocated outputs (IOBinding).</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs,
        IReadOnlyDictionary<string, Tensor>? outputs, RunProfile? profile)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (outputs is not null) CheckOutputs(inputs, outputs);
        var ctx = Interlocked.Exchange(ref _spare, null) ?? (_contexts.TryTake(out var pooled) ? pooled : NewContext());
        try
        {
            if (!_folded) Fold(ctx);
            Bind(ctx, inputs, outputs);
            Random? random = null; // for fallbacks only: seeding one fills a 56-entry table, each run
            foreach (var step in _steps)
            {
                var start = profile is null ? default : RunProfile.Start();
                if (step is KernelExecStep k)
                {
                    if (k.Folded) continue;
                    RunKernel(ctx, k);
                    profile?.Add(k.Runner.Name, k.Runner.Level.ToString().ToLowerInvariant(), start);
                }
                else
                {
                    var f = (FallbackExecStep)step;
                    RunFallback(ctx, f, random ??= new Random(0));
                    profile?.Add(f.Step.Node.Describe(), "fallback", start);
                }
            }
            var result = new Dictionary<string, RuntimeValue?>(Graph.Outputs.Count, StringComparer.Ordinal);
            foreach (var o in Graph.Outputs)
            {
                var slot = _slots[_slotOf[o]];
                var value = ctx.Values[slot.Id];
                // Never hand out the program's own constants: a caller could change them.
                result[o.Name] = slot.Kind == SlotKind.Constant && value is Tensor t ? t.Clone() : value;
                if (outputs is not null && outputs.TryGetValue(o.Name, out var given) && !ReferenceEquals(given, value))
                    result[o.Name] = CopyInto(o.Name, value, given);
            }
            return result;
        }
        finally
        {
            ctx.EndRun();
            if (Interlocked.CompareExchange(ref _spare, ctx, null) is not null) _contexts.Add(ctx);
        }
    }

    /// <summary>Runs the kernels that compute constants, once (concurrent first runs wait for it).</summary>
    private void Fold(RunContext ctx)
    {
        lock (_foldLock)
        {
            if (_folded) return;
            foreach (var step in _steps)
                if (step is KernelExecStep { Folded: true } k) RunKernel(ctx, k);
            _folded = true;
        }
    }

    private RunContext NewContext()
    {
        var ctx = new RunContext(_pool, Plan.ArenaBytes, _localBytes, _argCount, _slots.Length);
        foreach (var s in _slots)
        {
            if (s.Kind == SlotKind.Arena) ctx.Addresses[s.Id] = ctx.Arena + (nint)s.Offset;
            else if (s.Kind == SlotKind.Constant && s.ConstantData is { } data) ctx.Addresses[s.Id] = data.Address;
        }
        return ctx;
    }

    private void Bind(RunContext ctx, IReadOnlyDictionary<string, RuntimeValue> inputs, IReadOnlyDictionary<string, Tensor>? outputs)
    {
        foreach (var s in _slots)
        {
            switch (s.Kind)
            {
                case SlotKind.Constant:
                    ctx.Values[s.Id] = s.Value?.Constant; // folded constants are copied out when a fallback reads them
                    break;
                case SlotKind.Input:
                    if (!inputs.TryGetValue(s.Name, out var v))
                        throw new StrataException(ErrorCode.MissingInput, $"input '{s.Name}' was not given", "pass a value for every model input");
                    ctx.Values[s.Id] = v;
                    if (s.KernelUse) ctx.Addresses[s.Id] = Pin(ctx, Check(s, v));
                    break;
                case SlotKind.Output when s.KernelProduced:
                    // A caller's tensor is written in place; kernels write every element of their outputs (arena
                    // memory is never cleared either), so its old contents do not matter.
                    var t = outputs is not null && outputs.TryGetValue(s.Name, out var given) ? CheckOutput(s.Name, s.Element, s.Shape, given)
                        : NativeTensors.Uninitialized(s.Element, s.Shape);
                    ctx.Values[s.Id] = t;
                    ctx.Addresses[s.Id] = Pin(ctx, t);
                    break;
            }
        }
    }

    private static Tensor Check(ProgramSlot s, RuntimeValue v) =>
        v is Tensor t && t.DataType == s.Element && t.Shape.AsSpan().SequenceEqual(s.Shape) ? t
        : throw new StrataException(ErrorCode.InputShapeMismatch,
            $"input '{s.Name}' is a {v.Type}; this program was compiled for {s.Element.ShortName()}{ShapeMath.Format(s.Shape)}",
            "run it through the session, which compiles a program per input signature");

    /// <summary>Caller's output tensors: each names a graph output, none is an input or given twice (a kernel
    /// writing an output must never overwrite what another step still reads).</summary>
    private void CheckOutputs(IReadOnlyDictionary<string, RuntimeValue> inputs, IReadOnlyDictionary<string, Tensor> outputs)
    {
        // Loops, not a set: a model has a few outputs, and this runs on every run (no allocation).
        int index = 0;
        foreach (var (name, tensor) in outputs)
        {
            if (!IsOutput(name))
                throw new StrataException(ErrorCode.InvalidArgument, $"the model has no output named '{name}'",
                    $"outputs are: {string.Join(", ", Graph.Outputs.Select(o => o.Name))}");
            if ((outputs.Count > 1 && IsGivenBefore(outputs, tensor, index++)) || IsInput(inputs, tensor))
                throw new StrataException(ErrorCode.InvalidArgument, $"the tensor given for output '{name}' is also an input or another output",
                    "give each output its own tensor");
        }
    }

    private bool IsOutput(string name)
    {
        foreach (var o in Graph.Outputs)
            if (o.Name == name) return true;
        return false;
    }

    private static bool IsGivenBefore(IReadOnlyDictionary<string, Tensor> outputs, Tensor tensor, int index)
    {
        foreach (var (_, other) in outputs)
            if (index-- == 0) return false;
            else if (ReferenceEquals(other, tensor)) return true;
        return false;
    }

    private static bool IsInput(IReadOnlyDictionary<string, RuntimeValue> inputs, Tensor tensor)
    {
        if (inputs is Dictionary<string, RuntimeValue> d) // its struct enumerator: no allocation
        {
            foreach (var v in d.Values)
                if (ReferenceEquals(v, tensor)) return true;
            return false;
        }
        foreach (var (_, v) in inputs)
            if (ReferenceEquals(v, tensor)) return true;
        return false;
    }

    private static Tensor CheckOutput(string name, DataType element, int[] shape, Tensor t) =>
        t.DataType == element && t.Shape.AsSpan().SequenceEqual(shape) ? t
        : throw new StrataException(ErrorCode.ShapeMismatch,
            $"the tensor given for output '{name}' is a {t}; the output is {element.ShortName()}{ShapeMath.Format(shape)}",
            "give a tensor of the output's element type and shape (the outputs of a first run without them have it)");

    /// <summary>A value a fallback, an input or a constant produced for a graph output, copied into the caller's tensor.</summary>
    private static Tensor CopyInto(string name, RuntimeValue? value, Tensor given)
    {
        if (value is not Tensor t)
            throw new StrataException(ErrorCode.TypeMismatch, $"output '{name}' is {value?.Type.ToString() ?? "nothing"}, not a tensor",
                "give tensors only for tensor outputs");
        CheckOutput(name, t.DataType, t.Shape, given);
        using var pin = NativeTensors.Pin(given);
        NativeTensors.CopyTo(t, (nint)pin.Pointer, (long)t.Length * NativeTensors.ElementSize(t.DataType));
        return given;
    }

    private static nint Pin(RunContext ctx, Tensor t)
    {
        var handle = NativeTensors.Pin(t);
        ctx.Pins.Add(handle);
        return (nint)handle.Pointer;
    }

    private void RunKernel(RunContext ctx, KernelExecStep step)
    {
        nint* args = ctx.Args + step.ArgBase;
        for (int i = 0; i < step.ParamSlots.Length; i++) args[i] = ctx.Addresses[step.ParamSlots[i]];
        try
        {
            step.Runner.Run(args, ctx);
        }
        catch (StrataException e) { throw e.WithLocation($"kernel @{step.Runner.Name} ({step.Runner.Level.ToString().ToLowerInvariant()})"); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new StrataException(ErrorCode.EvaluationFailed, $"kernel @{step.Runner.Name} failed: {e.GetType().Name}: {e.Message}",
                "a bug in the kernel's lowering or backend: run with --checked, or at --level machine/block to find where",
                $"kernel @{step.Runner.Name} ({step.Runner.Level.ToString().ToLowerInvariant()})", e);
        }
    }

    private void RunFallback(RunContext ctx, FallbackExecStep step, Random random)
    {
        var node = step.Step.Node;
        var outs = _reference.EvaluateNode(node, Graph.Opset(node.Domain), v => Lookup(ctx, v), random);
        for (int i = 0; i < step.OutputSlots.Length; i++)
        {
            int id = step.OutputSlots[i];
            if (id < 0) continue;
            var s = _slots[id];
            var value = i < outs.Count ? outs[i] : null;
            ctx.Values[id] = value;
            if (!s.KernelUse) continue;
            var t = value as Tensor ?? throw new StrataException(ErrorCode.TypeMismatch,
                $"{node.Describe()} produced {value?.Type.ToString() ?? "nothing"} for %{s.Name}, which a kernel reads as a tensor",
                "a kernel reads tensors only", node.Describe());
            if (s.Kind == SlotKind.Arena) NativeTensors.CopyTo(t, ctx.Addresses[id], s.Bytes);
            else ctx.Addresses[id] = Pin(ctx, t);
        }
    }

    /// <summary>A value for the reference op: managed values as they are; intermediates copied out of the arena (once
    /// per run: a fallback result must never alias arena memory that a later kernel reuses).</summary>
    private RuntimeValue? Lookup(RunContext ctx, Value v)
    {
        if (!_slotOf.TryGetValue(v, out int id))
            throw new StrataException(ErrorCode.UndefinedValue, $"value %{v.Name} is used before any step computes it",
                "the program's steps must be in dependency order (a fusion bug)");
        var s = _slots[id];
        if (s.Kind is SlotKind.Arena or SlotKind.Constant && ctx.Values[id] is null && s.KernelUse)
            ctx.Values[id] = NativeTensors.Copy(s.Element, ctx.Addresses[id], s.Shape);
        return ctx.Values[id];
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interlocked.Exchange(ref _spare, null)?.Dispose();
        while (_contexts.TryTake(out var ctx)) ctx.Dispose();
        foreach (var s in _slots) s.ConstantData?.Dispose();
    }
}
