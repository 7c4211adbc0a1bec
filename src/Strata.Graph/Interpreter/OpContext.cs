using Strata.Core;

namespace Strata.Graph;

/// <summary>What an op's evaluator sees: the node (attributes), the opset version of its domain, the input values,
/// and a way to run subgraphs in the current scope.</summary>
public sealed class OpContext
{
    private readonly Func<Graph, IReadOnlyList<RuntimeValue?>, IReadOnlyList<RuntimeValue?>> _runSubgraph;

    public OpContext(Node node, int opset, IReadOnlyList<RuntimeValue?> inputs,
        Func<Graph, IReadOnlyList<RuntimeValue?>, IReadOnlyList<RuntimeValue?>> runSubgraph, Random random)
    {
        Node = node;
        Opset = opset;
        Inputs = inputs;
        _runSubgraph = runSubgraph;
        Random = random;
    }

    public Node Node { get; }

    /// <summary>The opset version imported for this node's domain.</summary>
    public int Opset { get; }

    /// <summary>Input values; null where an optional input is omitted.</summary>
    public IReadOnlyList<RuntimeValue?> Inputs { get; }

    /// <summary>Seeded per run, for ops such as Bernoulli and Dropout(training).</summary>
    public Random Random { get; }

    public int InputCount => Inputs.Count;
    public int OutputCount => Node.Outputs.Length;

    /// <summary>True if input <paramref name="i"/> is given (present and not an omitted optional).</summary>
    public bool HasInput(int i) => i < Inputs.Count && Inputs[i] is not null;

    /// <summary>True if output <paramref name="i"/> is requested by the graph (ONNX allows omitting trailing outputs).</summary>
    public bool HasOutput(int i) => i < Node.Outputs.Length && Node.Outputs[i] is not null;

    public Tensor Input(int i) => HasInput(i)
        ? Inputs[i] as Tensor ?? throw Error(ErrorCode.TypeMismatch, $"input {i} is a {Inputs[i]!.Type}, expected a tensor")
        : throw Error(ErrorCode.MissingInput, $"required input {i} is missing");

    public Tensor<T> Input<T>(int i) => Input(i).As<T>();

    public Tensor? OptionalInput(int i) => HasInput(i) ? Input(i) : null;

    public long Int(string name, long fallback) => Node.GetInt(name, fallback);
    public float Float(string name, float fallback) => Node.GetFloat(name, fallback);
    public string String(string name, string fallback) => Node.GetString(name, fallback);
    public long[]? Ints(string name) => Node.GetInts(name);
    public float[]? Floats(string name) => Node.GetFloats(name);
    public string[]? Strings(string name) => Node.GetStrings(name);
    public Tensor? TensorAttr(string name) => Node.Attr(name)?.AsTensor();
    public Graph? GraphAttr(string name) => Node.Attr(name)?.AsGraph();
    public bool HasAttr(string name) => Node.Attributes.ContainsKey(name);

    /// <summary>Runs a subgraph (e.g. a Loop body) with the given inputs; it sees this node's enclosing scope.</summary>
    public IReadOnlyList<RuntimeValue?> RunSubgraph(Graph body, IReadOnlyList<RuntimeValue?> inputs) => _runSubgraph(body, inputs);

    /// <summary>An error about this node, for bad attributes or inputs.</summary>
    public StrataException Error(ErrorCode code, string message, string? hint = null) =>
        new(code, message, hint ?? "check the node's inputs and attributes against the ONNX spec", Node.Describe());
}
