using Strata.Core;

namespace Strata.Graph;

/// <summary>A node attribute. Payload types by kind: Float float, Int long, String string, Tensor <see cref="Tensor"/>,
/// Graph <see cref="Graph"/>, Floats float[], Ints long[], Strings string[], Tensors Tensor[], Graphs Graph[],
/// Type <see cref="Core.ValueType"/>, Types ValueType[].</summary>
public sealed record Attribute(string Name, AttributeKind Kind, object Value)
{
    public static Attribute Of(string name, long v) => new(name, AttributeKind.Int, v);
    public static Attribute Of(string name, float v) => new(name, AttributeKind.Float, v);
    public static Attribute Of(string name, string v) => new(name, AttributeKind.String, v);
    public static Attribute Of(string name, long[] v) => new(name, AttributeKind.Ints, v);
    public static Attribute Of(string name, float[] v) => new(name, AttributeKind.Floats, v);
    public static Attribute Of(string name, string[] v) => new(name, AttributeKind.Strings, v);
    public static Attribute Of(string name, Tensor v) => new(name, AttributeKind.Tensor, v);
    public static Attribute Of(string name, Graph v) => new(name, AttributeKind.Graph, v);

    public long AsInt() => Kind == AttributeKind.Int ? (long)Value : throw Mismatch(AttributeKind.Int);
    public float AsFloat() => Kind switch
    {
        AttributeKind.Float => (float)Value,
        AttributeKind.Int => (long)Value,
        _ => throw Mismatch(AttributeKind.Float),
    };
    public string AsString() => Kind == AttributeKind.String ? (string)Value : throw Mismatch(AttributeKind.String);
    public long[] AsInts() => Kind == AttributeKind.Ints ? (long[])Value : throw Mismatch(AttributeKind.Ints);
    public float[] AsFloats() => Kind == AttributeKind.Floats ? (float[])Value : throw Mismatch(AttributeKind.Floats);
    public string[] AsStrings() => Kind == AttributeKind.Strings ? (string[])Value : throw Mismatch(AttributeKind.Strings);
    public Tensor AsTensor() => Kind == AttributeKind.Tensor ? (Tensor)Value : throw Mismatch(AttributeKind.Tensor);
    public Tensor[] AsTensors() => Kind == AttributeKind.Tensors ? (Tensor[])Value : throw Mismatch(AttributeKind.Tensors);
    public Graph AsGraph() => Kind == AttributeKind.Graph ? (Graph)Value : throw Mismatch(AttributeKind.Graph);
    public Graph[] AsGraphs() => Kind == AttributeKind.Graphs ? (Graph[])Value : throw Mismatch(AttributeKind.Graphs);

    private StrataException Mismatch(AttributeKind expected) => new(ErrorCode.InvalidAttribute,
        $"attribute '{Name}' is {Kind}, expected {expected}", "fix the attribute's type in the model");
}
