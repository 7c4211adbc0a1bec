using System.Collections.Immutable;

namespace Strata.Tile.Passes;

/// <summary>Simplifies each computation's index arithmetic with <see cref="IndexSimplifier"/> (the same rewriting the
/// view lowerings use), knowing that every axis ranges over its extent (<c>i = 8</c>: 0…7). Fusion composes views of
/// views (reshape of transpose of reshape…), whose div/mod chains only fold once the axes are known:
/// <c>floordiv(add(mul(i, 4), j), 4)</c> with <c>j &lt; 4</c> becomes <c>i</c>. Every rewrite is exact.</summary>
public sealed class SimplifyIndices : ITilePass
{
    public string Name => "SimplifyIndices";

    public TileKernel Run(TileKernel kernel)
    {
        var facts = new Dictionary<Expr, IndexRange>();
        foreach (var a in kernel.Axes)
            if (a.Extent > 0) facts.TryAdd(new IndexVar(a.Name), new IndexRange(0, a.Extent - 1));
        bool changed = false;
        var comps = kernel.Computations.Select(c =>
        {
            var body = IndexSimplifier.Simplify(c.Body, facts);
            if (body.Equals(c.Body)) return c;
            changed = true;
            return c with { Body = body };
        }).ToImmutableArray();
        return changed ? kernel with { Computations = comps } : kernel;
    }
}
