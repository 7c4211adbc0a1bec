using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>Builds one <see cref="TileKernel"/> during Graph→Tile lowering: declares axes, buffers and computations
/// with fresh deterministic names. Lowerings call <see cref="Reduce"/> and <see cref="Materialize"/>; the fusion
/// pass declares inputs and outputs.</summary>
public sealed class KernelBuilder(string name)
{
    private readonly List<TileBuffer> _inputs = [];
    private readonly List<TileBuffer> _outputs = [];
    private readonly List<TileBuffer> _temps = [];
    private readonly List<Axis> _axes = [];
    private readonly List<Computation> _computations = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<string> _nameOrder = [];

    public string Name { get; } = name;

    public IReadOnlyList<Computation> Computations => _computations;

    /// <summary>A fresh axis; <paramref name="hint"/> (e.g. "m", "k") is used when free, else suffixed.</summary>
    public string NewAxis(long extent, string hint = "i")
    {
        var n = Fresh(hint);
        _axes.Add(new Axis(n, extent));
        return n;
    }

    public TileBuffer AddInput(string hint, DataType type, ImmutableArray<long> shape) => Add(_inputs, hint, type, shape, BufferRole.Input);

    /// <summary>Writes <paramref name="value"/> to a new output buffer (one computation over fresh axes).</summary>
    public TileBuffer AddOutput(string hint, TileValue value)
    {
        var buffer = Add(_outputs, hint, value.Type, value.Shape, BufferRole.Output);
        Define(buffer, value);
        return buffer;
    }

    /// <summary>Stores <paramref name="value"/> into a temporary and returns a value that loads it, so it is
    /// computed once rather than inlined into every use.</summary>
    public TileValue Materialize(TileValue value, string hint = "t")
    {
        var buffer = Add(_temps, hint, value.Type, value.Shape, BufferRole.Temp);
        Define(buffer, value);
        return TileValue.FromBuffer(buffer);
    }

    /// <summary>A reduction into a temporary: <c>%t[outIdx] = op[redIdx] body(outIdx, redIdx)</c>. Returns a value
    /// over <paramref name="outShape"/> that loads the result. Arg reductions take one reduction axis and give i64.
    /// <paramref name="axisHints"/> and <paramref name="reduceHints"/> name the output and reduction axes (default i, k).</summary>
    public TileValue Reduce(ReduceOp op, ImmutableArray<long> outShape, IReadOnlyList<long> reduceExtents,
        Func<IReadOnlyList<Expr>, IReadOnlyList<Expr>, Expr> body, string hint = "r", IReadOnlyList<string>? axisHints = null,
        IReadOnlyList<string>? reduceHints = null)
    {
        var outAxes = outShape.Select((d, i) => NewAxis(d, axisHints is { } h && i < h.Count ? h[i] : "i")).ToArray();
        var redAxes = reduceExtents.Select((d, i) => NewAxis(d, reduceHints is { } h && i < h.Count ? h[i] : "k")).ToArray();
        var b = body(outAxes.Select(Expr.Var).ToArray(), redAxes.Select(Expr.Var).ToArray());
        var type = op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast ? DataType.Int64 : b.Type;
        var buffer = Add(_temps, hint, type, outShape, BufferRole.Temp);
        _computations.Add(new Computation(buffer.Name, [.. outAxes], new Reduction(op, [.. redAxes]), b));
        return TileValue.FromBuffer(buffer);
    }

    /// <summary>The builder's state now, to return to with <see cref="Rollback"/> (the fusion pass tries a lowering
    /// and undoes what it declared when the lowering declines).</summary>
    public KernelBuilderMark Mark() => new(_inputs.Count, _outputs.Count, _temps.Count, _axes.Count, _computations.Count, _nameOrder.Count);

    /// <summary>Forgets every axis, buffer, computation and name declared since <paramref name="mark"/>.</summary>
    public void Rollback(KernelBuilderMark mark)
    {
        Truncate(_inputs, mark.Inputs);
        Truncate(_outputs, mark.Outputs);
        Truncate(_temps, mark.Temps);
        Truncate(_axes, mark.Axes);
        Truncate(_computations, mark.Computations);
        for (int i = _nameOrder.Count - 1; i >= mark.Names; i--) _names.Remove(_nameOrder[i]);
        Truncate(_nameOrder, mark.Names);
    }

    private static void Truncate<T>(List<T> list, int count)
    {
        if (count < list.Count) list.RemoveRange(count, list.Count - count);
    }

    public TileKernel Build() => new(Name, [.. _inputs], [.. _outputs], [.. _temps], [.. _axes], [.. _computations]);

    private void Define(TileBuffer buffer, TileValue value)
    {
        var axes = value.Shape.Select(d => NewAxis(d)).ToArray();
        _computations.Add(new Computation(buffer.Name, [.. axes], null, value.At(axes.Select(Expr.Var).ToArray())));
    }

    private TileBuffer Add(List<TileBuffer> list, string hint, DataType type, ImmutableArray<long> shape, BufferRole role)
    {
        var b = new TileBuffer(Fresh(Sanitize(hint)), type, shape, role);
        list.Add(b);
        return b;
    }

    private string Fresh(string hint)
    {
        if (_names.Add(hint)) { _nameOrder.Add(hint); return hint; }
        for (int i = 0; ; i++)
            if (_names.Add(hint + i)) { _nameOrder.Add(hint + i); return hint + i; }
    }

    private static string Sanitize(string hint)
    {
        var s = new string(hint.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
        return s.Length == 0 || char.IsAsciiDigit(s[0]) ? "v" + s : s;
    }
}

/// <summary>A point in a <see cref="KernelBuilder"/>'s history (counts of what it has declared).</summary>
public readonly record struct KernelBuilderMark(int Inputs, int Outputs, int Temps, int Axes, int Computations, int Names);
