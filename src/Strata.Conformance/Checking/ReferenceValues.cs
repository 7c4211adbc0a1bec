using Strata.Core;
using Strata.Graph;

namespace Strata.Conformance.Checking;

/// <summary>Every value of one reference run of a graph (<see cref="GraphInterpreter"/>, through
/// <see cref="GraphInterpreter.OnNodeEvaluated"/>): the inputs, the constants, and each node's outputs. Values are found
/// by identity, then by name, so they still resolve after graph passes that replace a value by a constant of the same name.</summary>
public sealed class ReferenceValues
{
    private readonly Dictionary<Value, RuntimeValue?> _byValue = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, RuntimeValue?> _byName = new(StringComparer.Ordinal);

    private ReferenceValues() { }

    /// <summary>The graph's outputs by name.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Outputs { get; private set; } = new Dictionary<string, RuntimeValue?>();

    /// <summary>Runs <paramref name="graph"/> on <paramref name="inputs"/> with the reference interpreter, keeping every
    /// value of the top-level graph (values inside subgraphs are not kept).</summary>
    public static ReferenceValues Capture(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs, OpRegistry? ops = null)
    {
        var r = new ReferenceValues();
        var topLevel = new HashSet<Node>(graph.Nodes, ReferenceEqualityComparer.Instance);
        foreach (var c in graph.Constants) r.Add(c, c.Constant);
        foreach (var i in graph.Inputs)
            if (inputs.TryGetValue(i.Name, out var v)) r.Add(i, v);
        var interpreter = new GraphInterpreter(ops) { OnNodeEvaluated = (node, outputs) =>
        {
            if (!topLevel.Contains(node)) return;
            for (int k = 0; k < node.Outputs.Length; k++)
                if (node.Outputs[k] is { } o) r.Add(o, k < outputs.Count ? outputs[k] : null);
        } };
        r.Outputs = interpreter.Run(graph, inputs);
        return r;
    }

    /// <summary>The reference value of <paramref name="value"/>: its constant, or what the run computed for it.</summary>
    public bool TryGet(Value value, out RuntimeValue? result)
    {
        if (value.Constant is { } c) { result = c; return true; }
        return _byValue.TryGetValue(value, out result) || _byName.TryGetValue(value.Name, out result);
    }

    private void Add(Value v, RuntimeValue? value)
    {
        _byValue[v] = value;
        _byName[v.Name] = value;
    }
}
