namespace Strata.Graph;

using Strata.Core;

/// <summary>An SSA value of the graph: a graph input, a node output, or a constant (initializer).
/// Identity is by reference; <see cref="Name"/> is unique within its graph and the graphs it encloses.</summary>
public sealed class Value
{
    public Value(string name, Core.ValueType? type = null, Tensor? constant = null)
    {
        Name = name;
        Type = type ?? constant?.Type;
        Constant = constant;
    }

    public string Name { get; set; }

    /// <summary>The static type; null until inferred.</summary>
    public Core.ValueType? Type { get; set; }

    /// <summary>The data of a constant (ONNX initializer); null for computed values.</summary>
    public Tensor? Constant { get; set; }

    public bool IsConstant => Constant is not null;

    /// <summary>The node that produces this value, if any (set when the node is constructed).</summary>
    public Node? Producer { get; internal set; }

    public TensorType? TensorType => Type as TensorType;

    public override string ToString() => "%" + Name;
}
