using System.Collections.Immutable;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile;

/// <summary>A value that a program pass put in place of a graph value, stored in another layout: <see cref="Relayout"/>
/// computes it from <see cref="Source"/> (one input, one output, no reduction). The program's steps never run it — the
/// producer writes the new layout directly — but whoever holds a tensor of the source (<c>strata check</c>'s reference
/// run) gets the derived value's by running it through the Tile interpreter.</summary>
public sealed record DerivedValue(Value Source, TileKernel Relayout)
{
    /// <summary><c>y[.., p, j] = x[.., 2·j + p]</c>: the innermost dim (of even extent) split by parity, even
    /// columns first (see <see cref="Passes.SplitColumnParity"/>).</summary>
    public static DerivedValue SplitParity(Value source, Value derived, ImmutableArray<long> shape)
    {
        int rank = shape.Length;
        var outer = Enumerable.Range(0, rank - 1).Select(d => $"i{d}").ToArray();
        var two = Expr.Index(2);
        var column = new Binary(BinaryOp.Add, new Binary(BinaryOp.Mul, new IndexVar("j"), two), new IndexVar("p"));
        var load = new Load("x", [.. outer.Select(i => (Expr)new IndexVar(i)), column], ElementType(source));
        return Kernel(source, derived, shape, [.. shape.Take(rank - 1), 2, shape[^1] / 2],
            [.. outer.Select((i, d) => new Axis(i, shape[d])), new Axis("p", 2), new Axis("j", shape[^1] / 2)],
            [.. outer, "p", "j"], load);
    }

    /// <summary><c>y[i_perm[0], i_perm[1], …] = x[i0, i1, …]</c>: dim d of the derived value is dim perm[d] of the source.</summary>
    public static DerivedValue Permute(Value source, Value derived, ImmutableArray<long> shape, IReadOnlyList<int> perm)
    {
        var load = new Load("x", [.. shape.Select((_, d) => (Expr)new IndexVar($"i{d}"))], ElementType(source));
        return Kernel(source, derived, shape, [.. perm.Select(p => shape[p])],
            [.. shape.Select((e, d) => new Axis($"i{d}", e))], [.. perm.Select(p => $"i{p}")], load);
    }

    private static DataType ElementType(Value v) => v.TensorType?.ElementType
        ?? throw new StrataException(ErrorCode.InvalidArgument, $"value %{v.Name} is no tensor", "relay out tensors only");

    private static DerivedValue Kernel(Value source, Value derived, ImmutableArray<long> from, ImmutableArray<long> to,
        ImmutableArray<Axis> axes, ImmutableArray<string> indices, Load load)
    {
        var type = ElementType(source);
        var kernel = new TileKernel($"{derived.Name}.relayout",
            [new TileBuffer("x", type, from, BufferRole.Input)], [new TileBuffer("y", type, to, BufferRole.Output)], [],
            axes, [new Computation("y", indices, null, load)]);
        return new DerivedValue(source, kernel);
    }
}
