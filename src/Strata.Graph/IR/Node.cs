using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Graph;

/// <summary>One operator application. Inputs and outputs may contain null for omitted optional operands
/// (ONNX's empty names).</summary>
public sealed class Node
{
    public Node(string opType, IEnumerable<Value?> inputs, IEnumerable<Value?> outputs,
        IEnumerable<Attribute>? attributes = null, string domain = "", string name = "")
    {
        OpType = opType;
        Domain = NormalizeDomain(domain);
        Name = name;
        Inputs = inputs.ToImmutableArray();
        Outputs = outputs.ToImmutableArray();
        Attributes = (attributes ?? []).ToImmutableSortedDictionary(a => a.Name, a => a, StringComparer.Ordinal);
        foreach (var o in Outputs)
            if (o is not null) o.Producer = this;
    }

    public string OpType { get; }

    /// <summary>Operator domain; the default ONNX domain is the empty string.</summary>
    public string Domain { get; }

    public string Name { get; set; }
    public ImmutableArray<Value?> Inputs { get; set; }
    public ImmutableArray<Value?> Outputs { get; }
    public ImmutableSortedDictionary<string, Attribute> Attributes { get; set; }

    /// <summary>Key of the op definition in the registry: <c>Name</c> or <c>domain::Name</c>.</summary>
    public string OpKey => OpKeys.Of(Domain, OpType);

    public Attribute? Attr(string name) => Attributes.GetValueOrDefault(name);
    public long GetInt(string name, long fallback) => Attr(name)?.AsInt() ?? fallback;
    public float GetFloat(string name, float fallback) => Attr(name)?.AsFloat() ?? fallback;
    public string GetString(string name, string fallback) => Attr(name)?.AsString() ?? fallback;
    public long[]? GetInts(string name) => Attr(name)?.AsInts();
    public float[]? GetFloats(string name) => Attr(name)?.AsFloats();
    public string[]? GetStrings(string name) => Attr(name)?.AsStrings();

    /// <summary>For diagnostics: <c>node 'conv1' (Conv)</c>.</summary>
    public string Describe() => $"node '{(Name.Length > 0 ? Name : Outputs.FirstOrDefault(o => o is not null)?.Name ?? "?")}' ({OpKey})";

    public static string NormalizeDomain(string domain) => domain is "ai.onnx" ? "" : domain;

    public override string ToString() => Describe();
}

public static class OpKeys
{
    public static string Of(string domain, string opType) =>
        domain.Length == 0 || domain == "ai.onnx" ? opType : domain + "::" + opType;
}
