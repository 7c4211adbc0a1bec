using Strata.Graph;

namespace Strata.Onnx;

/// <summary>Names visible in one graph, falling back to the enclosing graphs.</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool IsLocal(string name) => _values.ContainsKey(name);

    public Value? Lookup(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._values.TryGetValue(name, out var v)) return v;
        return null;
    }

    public void Define(Value value, string location)
    {
        if (!_values.TryAdd(value.Name, value))
            throw OnnxErrors.Malformed($"value '{value.Name}' is defined twice", location,
                "ONNX graphs are in SSA form: each value name must be assigned once");
    }
}
