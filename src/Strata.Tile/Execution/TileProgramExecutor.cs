using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Execution;

/// <summary>Runs a <see cref="TileProgram"/> on named inputs: kernel steps through <see cref="TileInterpreter"/> (or
/// another kernel runner, e.g. a lower level), fallback steps through the node's reference op
/// (<see cref="IOpDefinition.Evaluate"/>, via <see cref="GraphInterpreter.EvaluateNode"/>). Returns the graph outputs by name.</summary>
public sealed class TileProgramExecutor(ExtensionRegistry? registry = null, int seed = 0)
{
    private readonly GraphInterpreter _reference = new(new OpRegistry(registry ?? TileRegistry.Default));

    /// <summary>How a kernel step runs: inputs bound to <c>Kernel.Inputs</c>, one tensor per <c>Kernel.Outputs</c>.</summary>
    public Func<TileKernel, IReadOnlyList<Tensor>, Tensor[]> RunKernel { get; init; } = TileInterpreter.Run;

    /// <summary>Called after each step with the values it produced (for tools that compare levels or trace).</summary>
    public Action<ProgramStep, IReadOnlyList<RuntimeValue?>>? OnStepEvaluated { get; set; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(TileProgram program, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var graph = program.Source;
        var env = new Dictionary<Value, RuntimeValue?>(ReferenceEqualityComparer.Instance);
        foreach (var c in graph.Constants) env[c] = c.Constant;
        foreach (var (name, value) in inputs)
        {
            if (graph.Inputs.FirstOrDefault(i => i.Name == name) is { } input) { env[input] = value; continue; }
            if (graph.Constants.FirstOrDefault(c => c.Name == name) is { } constant)
            {
                if (!SameTensor(constant.Constant!, value))
                    throw new StrataException(ErrorCode.InputShapeMismatch,
                        $"the program was compiled with '{name}' = {constant.Constant} as a constant; the value given differs",
                        "compile the model again for this value", $"graph @{graph.Name}");
                continue;
            }
            throw new StrataException(ErrorCode.UnknownInput, $"the model has no input named '{name}'",
                $"inputs are: {string.Join(", ", graph.Inputs.Select(i => i.Name))}");
        }
        foreach (var input in graph.Inputs)
            if (!env.ContainsKey(input))
                throw new StrataException(ErrorCode.MissingInput, $"input '{input.Name}' ({input.Type}) was not given", "pass a value for every model input");

        var random = new Random(seed);
        foreach (var step in program.Steps)
        {
            switch (step)
            {
                case KernelStep k:
                {
                    var args = new Tensor[k.Inputs.Length];
                    for (int i = 0; i < args.Length; i++)
                        args[i] = AsShaped(Lookup(env, k.Inputs[i]) as Tensor ?? throw new StrataException(ErrorCode.TypeMismatch,
                            $"kernel @{k.Kernel.Name} input %{k.Inputs[i].Name} is not a tensor", "a kernel reads tensors only", $"tile kernel @{k.Kernel.Name}"),
                            k.Kernel.Inputs[i].Shape);
                    var outs = RunKernel(k.Kernel, args);
                    for (int i = 0; i < k.Outputs.Length; i++)
                        env[k.Outputs[i]] = k.Outputs[i].TensorType?.Shape?.ToConcrete() is { } shape ? AsShaped(outs[i], [.. shape.Select(d => (long)d)]) : outs[i];
                    OnStepEvaluated?.Invoke(step, outs);
                    break;
                }
                case FallbackStep f:
                {
                    var outs = _reference.EvaluateNode(f.Node, graph.Opset(f.Node.Domain), v => Lookup(env, v), random);
                    for (int i = 0; i < f.Node.Outputs.Length; i++)
                        if (f.Node.Outputs[i] is { } o) env[o] = i < outs.Count ? outs[i] : null;
                    OnStepEvaluated?.Invoke(step, outs);
                    break;
                }
                default:
                    throw new StrataException(ErrorCode.InvalidIr, $"unknown program step {step.GetType().Name}", "use kernel or fallback steps");
            }
        }
        var result = new Dictionary<string, RuntimeValue?>(StringComparer.Ordinal);
        foreach (var o in graph.Outputs) result[o.Name] = Lookup(env, o);
        return result;
    }

    /// <summary>The tensor viewed with a buffer's shape where only the dims differ (a pass merged two contiguous dims of
    /// the kernel's buffer, e.g. <see cref="Passes.MergeContiguousAxes"/>: same elements, same order); itself otherwise.</summary>
    public static Tensor AsShaped(Tensor t, IReadOnlyList<long> shape)
    {
        if (t.Shape.Length == shape.Count && t.Shape.Select(d => (long)d).SequenceEqual(shape)) return t;
        long size = shape.Aggregate(1L, (p, d) => p * d);
        return size == t.Length && shape.All(d => d is >= 0 and <= int.MaxValue) ? t.Reshape([.. shape.Select(d => (int)d)]) : t;
    }

    private static RuntimeValue? Lookup(Dictionary<Value, RuntimeValue?> env, Value v) =>
        env.TryGetValue(v, out var r) ? r
        : throw new StrataException(ErrorCode.UndefinedValue, $"value %{v.Name} is used before any step computes it",
            "the program's steps must be in dependency order (a fusion bug)");

    private static bool SameTensor(Tensor a, RuntimeValue b)
    {
        if (b is not Tensor t || t.DataType != a.DataType || !t.Shape.AsSpan().SequenceEqual(a.Shape)) return false;
        for (int i = 0; i < a.Length; i++)
            if (!Equals(a.GetValue(i), t.GetValue(i))) return false;
        return true;
    }
}
