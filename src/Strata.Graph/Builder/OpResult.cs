using System.Collections;
using Strata.Core;

namespace Strata.Graph.Builder;

/// <summary>The outputs of one node added by <see cref="GraphBuilder.Op"/>. Converts implicitly to a
/// <see cref="Var"/> when the node has exactly one output, and deconstructs into two or three.</summary>
public sealed class OpResult : IReadOnlyList<Var>
{
    private readonly Var[] _outputs;

    internal OpResult(Node node, Var[] outputs)
    {
        Node = node;
        _outputs = outputs;
    }

    public Node Node { get; }
    public int Count => _outputs.Length;
    public Var this[int index] => _outputs[index];

    public static implicit operator Var(OpResult r) => r._outputs.Length == 1 ? r._outputs[0]
        : throw new StrataException(ErrorCode.InvalidArgument,
            $"{r.Node.Describe()} has {r._outputs.Length} outputs, so it is not one Var",
            "index the result (r[0]) or deconstruct it: var (a, b) = g.Op(..., outputs: 2)");

    public void Deconstruct(out Var first, out Var second)
    {
        RequireCount(2);
        (first, second) = (_outputs[0], _outputs[1]);
    }

    public void Deconstruct(out Var first, out Var second, out Var third)
    {
        RequireCount(3);
        (first, second, third) = (_outputs[0], _outputs[1], _outputs[2]);
    }

    private void RequireCount(int n)
    {
        if (_outputs.Length != n)
            throw new StrataException(ErrorCode.InvalidArgument, $"{Node.Describe()} has {_outputs.Length} outputs, not {n}",
                "deconstruct into as many variables as the node has outputs");
    }

    public IEnumerator<Var> GetEnumerator() => ((IEnumerable<Var>)_outputs).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
