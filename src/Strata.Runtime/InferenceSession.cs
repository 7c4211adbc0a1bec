using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Text;
using Strata.Onnx;

namespace Strata.Runtime;

/// <summary>A model ready to run, in the spirit of ONNX Runtime's:
/// <code>
/// using var session = InferenceSession.Create("model.onnx", new SessionOptions { Threads = 4 });
/// var outputs = session.Run(("x", input));
/// </code>
/// Inputs and outputs are named. Shapes are bound at creation (<see cref="SessionOptions.InputShapes"/>) or at the
/// first run with each input signature (element types, shapes, and the values of inputs specialised as constants):
/// every signature is compiled once (<see cref="NativeProgram"/>) and cached. <see cref="Run"/> may be called from
/// several threads at once; they share the compiled programs and the worker threads, never memory.</summary>
public sealed class InferenceSession : IDisposable
{
    private readonly Func<Graph.Graph> _copy;
    private readonly Graph.Graph _model;
    private readonly ConcurrentDictionary<string, Lazy<NativeProgram>> _programs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<NativeProgram> _compiled = new();
    private readonly Lazy<WorkerPool> _pool;
    private volatile RecentProgram? _last;
    private bool _disposed;

    private InferenceSession(Graph.Graph model, Func<Graph.Graph> copy, SessionOptions options)
    {
        if (options.Threads < 0)
            throw new StrataException(ErrorCode.InvalidArgument, $"threads must be 0 (all cores) or more, got {options.Threads}", "pass --threads N with N >= 1");
        if (options.SpecializeSmallInputs < 0)
            throw new StrataException(ErrorCode.InvalidArgument, $"SpecializeSmallInputs must be 0 or more, got {options.SpecializeSmallInputs}", "use 0 to specialise nothing");
        _model = model;
        _copy = copy;
        Options = options;
        // Only native kernels run in parallel; the interpreters run on the caller.
        _pool = new Lazy<WorkerPool>(() => new WorkerPool(options.Level == ExecutionLevel.Native ? options.Threads : 1));
        if (options.InputShapes is { } shapes) Bind(shapes);
        Inputs = [.. model.Inputs.Select(Info)];
        Outputs = [.. model.Outputs.Select(Info)];
        if (options.InputShapes is not null && options.Level != ExecutionLevel.Graph && EagerInputs() is { } eager) Compile(eager);
    }

    /// <summary>Loads an ONNX model file (external data resolved beside it).</summary>
    public static InferenceSession Create(string modelPath, SessionOptions? options = null)
    {
        var model = OnnxImporter.Load(modelPath, null);
        var bytes = File.ReadAllBytes(modelPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(modelPath));
        return new InferenceSession(model, () => OnnxImporter.Load(bytes, dir), options ?? SessionOptions.Default);
    }

    /// <summary>A session over a graph (e.g. built with <c>GraphBuilder</c>); the session works on copies and never
    /// changes <paramref name="graph"/>.</summary>
    public static InferenceSession Create(Graph.Graph graph, SessionOptions? options = null)
    {
        var text = GraphPrinter.Print(graph);
        return new InferenceSession(GraphParser.Parse(text), () => GraphParser.Parse(text), options ?? SessionOptions.Default);
    }

    public SessionOptions Options { get; }

    /// <summary>The model's inputs (shapes as bound at creation; symbolic dims otherwise).</summary>
    public IReadOnlyList<IoInfo> Inputs { get; }

    public IReadOnlyList<IoInfo> Outputs { get; }

    /// <summary>Every program compiled so far, in the order they were compiled (one per input signature).</summary>
    public IReadOnlyList<NativeProgram> Programs => [.. _compiled];

    /// <summary>The most recently compiled program's stats (null before the first compilation, and at level Graph).</summary>
    public ProgramStats? Stats => Programs.LastOrDefault()?.Stats;

    /// <summary>The counters of the session's worker pool (regions, wake-ups, chunks by caller and workers, inline small
    /// loops; <see cref="WorkerPool.Counters"/>), or null before the first compile.</summary>
    public PoolCounters? WorkerCounters => _pool.IsValueCreated ? _pool.Value.Counters : null;

    /// <summary>The most recently compiled program's memory plan.</summary>
    public MemoryPlan? Plan => Programs.LastOrDefault()?.Plan;

    /// <summary>Runs the model: every input by name; returns every output by name.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs) => Run(inputs, null);

    /// <summary>Runs the model, recording each step's time in <paramref name="profile"/> (not at level Graph).</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs, RunProfile? profile)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Options.Level == ExecutionLevel.Graph)
        {
            InputBinding.Validate(_model, inputs);
            return new GraphInterpreter(new OpRegistry(Options.Registry ?? RuntimeRegistry.Default)).Run(_model, inputs);
        }
        try
        {
            return ValidatedProgram(inputs).Run(inputs, profile);
        }
        finally
        {
            ParkWorkers();
        }
    }

    /// <summary>Runs the model writing the named outputs into the caller's tensors (of each output's element type and
    /// shape; reuse the tensors of an earlier run's result): no output is allocated per run, as with ONNX Runtime's
    /// pre-allocated outputs. Outputs not named are returned in fresh tensors. Not at level Graph.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs,
        IReadOnlyDictionary<string, Tensor> outputs, RunProfile? profile = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(outputs);
        if (Options.Level == ExecutionLevel.Graph)
        {
            InputBinding.Validate(_model, inputs);
            throw new StrataException(ErrorCode.InvalidArgument, "a session at level graph does not run into given outputs",
                "use level block, machine or native");
        }
        try
        {
            return ValidatedProgram(inputs).Run(inputs, outputs, profile);
        }
        finally
        {
            ParkWorkers();
        }
    }

    private void ParkWorkers()
    {
        if (!Options.SpinAfterRun && _pool.IsValueCreated) _pool.Value.Park();
    }

    /// <summary>Runs the model on tensors given as (name, tensor) pairs.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(params (string Name, Tensor Value)[] inputs)
    {
        var byName = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        foreach (var (name, value) in inputs)
            if (!byName.TryAdd(name, value))
                throw new StrataException(ErrorCode.InvalidArgument, $"input '{name}' is given twice", "pass each input once");
        return Run(byName);
    }

    /// <summary>The program for these inputs' signature, compiled now if it is new (inputs are validated first).</summary>
    public NativeProgram Compile(IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Options.Level == ExecutionLevel.Graph)
            throw new StrataException(ErrorCode.InvalidArgument, "a session at level graph compiles nothing", "use level block, machine or native");
        InputBinding.Validate(_model, inputs);
        return Program(inputs);
    }

    /// <summary>The program for these inputs, validated first. Inputs of exactly the element types and shapes of the
    /// last run's (none compiled as constants, no extra names) pass validation as those did: they skip it and the
    /// signature string, the two costs of a small model's run beyond its kernels.</summary>
    private NativeProgram ValidatedProgram(IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        if (_last is { } last && last.Matches(inputs, _model.Inputs)) return last.Program;
        InputBinding.Validate(_model, inputs);
        var program = Program(inputs);
        if (RecentProgram.Of(inputs, _model.Inputs, this, program) is { } recent) _last = recent;
        return program;
    }

    private NativeProgram Program(IReadOnlyDictionary<string, RuntimeValue> inputs) =>
        _programs.GetOrAdd(Signature(inputs), _ => new Lazy<NativeProgram>(() =>
        {
            var program = ProgramCompiler.Compile(_copy(), inputs, Options, _pool.Value);
            _compiled.Enqueue(program);
            return program;
        })).Value;

    /// <summary>The input types (by model input, in order) of the last run and its program; immutable, so concurrent
    /// runs may replace it at will.</summary>
    private sealed class RecentProgram(DataType[] elements, int[][] shapes, NativeProgram program)
    {
        public NativeProgram Program { get; } = program;

        /// <summary>Null when a value is not a tensor, is compiled as a constant, or a name is not a model input.</summary>
        public static RecentProgram? Of(IReadOnlyDictionary<string, RuntimeValue> inputs, List<Value> model, InferenceSession session, NativeProgram program)
        {
            if (inputs.Count != model.Count) return null;
            var elements = new DataType[model.Count];
            var shapes = new int[model.Count][];
            for (int i = 0; i < model.Count; i++)
            {
                if (!inputs.TryGetValue(model[i].Name, out var v) || v is not Tensor t || session.IsSpecialized(t)) return null;
                elements[i] = t.DataType;
                shapes[i] = [.. t.Shape];
            }
            return new RecentProgram(elements, shapes, program);
        }

        private static bool IsInput(string name, List<Value> model)
        {
            foreach (var v in model)
                if (string.Equals(v.Name, name, StringComparison.Ordinal)) return true;
            return false;
        }

        /// <summary>Same names, element types and shapes (so none is compiled as a constant either: that depends on them).</summary>
        public bool Matches(IReadOnlyDictionary<string, RuntimeValue> inputs, List<Value> model)
        {
            // As many entries as model inputs, each named (ordinally, as validation compares) like one: exactly the
            // model's names, whatever the dictionary's comparer. Other dictionaries take the validating path.
            if (inputs is not Dictionary<string, RuntimeValue> d || d.Count != model.Count) return false;
            foreach (var name in d.Keys)
                if (!IsInput(name, model)) return false;
            for (int i = 0; i < model.Count; i++)
                if (!inputs.TryGetValue(model[i].Name, out var v) || v is not Tensor t || t.DataType != elements[i]
                    || !t.Shape.AsSpan().SequenceEqual(shapes[i])) return false;
            return true;
        }
    }

    /// <summary>What a compiled program depends on: each input's type (element type and shape), and the values of the
    /// inputs compiled as constants (<see cref="SessionOptions.SpecializeSmallInputs"/>).</summary>
    private string Signature(IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var sb = new StringBuilder();
        foreach (var input in _model.Inputs)
        {
            var value = inputs[input.Name];
            sb.Append(input.Name).Append(':').Append(value.Type);
            if (value is Tensor t && IsSpecialized(t))
            {
                sb.Append('=');
                for (int i = 0; i < t.Length; i++) sb.Append(Convert.ToString(t.GetValue(i), CultureInfo.InvariantCulture)).Append(',');
            }
            sb.Append(';');
        }
        return sb.ToString();
    }

    /// <summary>The rule of <see cref="Tile.Execution.TileCompilerOptions.SpecializeSmallInputs"/>.</summary>
    private bool IsSpecialized(Tensor t) => Options.SpecializeSmallInputs > 0 && t.Length <= Options.SpecializeSmallInputs
        && t.DataType is DataType.Int64 or DataType.Int32 or DataType.Float32 or DataType.Float64;

    /// <summary>Fixes the shapes of the named inputs (and every dim elsewhere that shares a bound symbol).</summary>
    private void Bind(IReadOnlyDictionary<string, int[]> shapes)
    {
        var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, shape) in shapes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var input = _model.Inputs.FirstOrDefault(i => i.Name == name) ?? throw new StrataException(ErrorCode.UnknownInput,
                $"the model has no input named '{name}'", $"inputs are: {string.Join(", ", _model.Inputs.Select(i => i.Name))}");
            if (input.Type is not TensorType declared)
                throw new StrataException(ErrorCode.InputTypeMismatch, $"input '{name}' is not a tensor ({input.Type?.ToString() ?? "unknown type"}): it has no shape to bind",
                    "bind the shapes of tensor inputs only");
            // Validation of the rank, the static dims and repeated symbols, with the reference's messages.
            var probe = new Dictionary<string, RuntimeValue> { [name] = TensorFactory.Create(declared.ElementType == DataType.Undefined ? DataType.Float32 : declared.ElementType, shape) };
            var single = new Graph.Graph("bind") { };
            single.Inputs.Add(new Value(name, declared));
            foreach (var (symbol, size) in InputBinding.Validate(single, probe))
                if (symbols.TryGetValue(symbol, out var other) && other != size)
                    throw new StrataException(ErrorCode.InputShapeMismatch, $"input '{name}' binds '{symbol}' to {size}, but another input binds it to {other}",
                        $"use the same size for every dim named '{symbol}'");
                else symbols[symbol] = size;
            input.Type = new TensorType(declared.ElementType, Shape.Of(shape));
        }
        foreach (var input in _model.Inputs)
            if (input.Type is TensorType { Shape: { } s } t && s.Dims.Any(d => d.Symbol is { } sym && symbols.ContainsKey(sym)))
                input.Type = t with { Shape = Shape.Of(s.Dims.Select(d => d.Symbol is { } sym && symbols.TryGetValue(sym, out var v) ? Dim.Of(v) : d)) };
    }

    /// <summary>Zero inputs of the bound shapes, or null if some input's type is not fully known (or its values would be
    /// compiled in, so zeros would compile the wrong program).</summary>
    private Dictionary<string, RuntimeValue>? EagerInputs()
    {
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        foreach (var input in _model.Inputs)
        {
            if (input.Type is not TensorType { Shape: { } s } t || t.ElementType == DataType.Undefined || s.ToConcrete() is not { } shape) return null;
            var zero = TensorFactory.Create(t.ElementType, shape);
            if (IsSpecialized(zero)) return null;
            inputs[input.Name] = zero;
        }
        return inputs;
    }

    private static IoInfo Info(Value v) => v.Type is TensorType t
        ? new IoInfo(v.Name, t.ElementType, t.Shape) { Type = t }
        : new IoInfo(v.Name, DataType.Undefined, null) { Type = v.Type };

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _compiled) p.Dispose();
        if (_pool.IsValueCreated) _pool.Value.Dispose();
    }
}
