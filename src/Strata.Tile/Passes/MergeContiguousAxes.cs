using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Passes;

/// <summary>Merges a multi-axis contraction's two innermost output axes (a 1×1 stride-1 unpadded convolution's oh and
/// ow) into one axis of extent oh·ow where every access is contiguous across them: every computation indexes its output
/// with both, adjacent, or with neither, and every load reads them as plain adjacent indices <c>[…, oh, ow, …]</c> of a
/// dim of extent ow (no arithmetic, no condition on either). Each such buffer's two dims become one (same bytes, same
/// element order: kernels bind buffers by size). The contraction then has one long N axis (the dot's vector axis)
/// instead of ow, which wastes lanes where ow is small (7, 14) and pays per-row overhead where it is not.
/// Likewise two adjacent reduction axes of a plain reduction (not a contraction) read as plain adjacent indices
/// <c>[…, kh, kw]</c> everywhere (a global average pool's <c>sum[kh, kw] %x[0, c, kh, kw]</c>), repeatedly: the
/// reduction then runs along one contiguous row of kh·kw (a horizontal vector reduction) instead of vectorising across
/// channels with strided loads (resnet50's 2048 × 7 × 7 pool, 0.094 ms against ONNX Runtime's 0.015).</summary>
public sealed class MergeContiguousAxes : ITilePass
{
    public string Name => "MergeContiguousAxes";

    public TileKernel Run(TileKernel kernel)
    {
        foreach (var c in kernel.Computations)
        {
            if (DotShape.DefaultRoles(c, a => kernel.Axis(a).Extent) is not { M: not null } || c.Indices.Length < 2) continue;
            string a = c.Indices[^2], b = c.Indices[^1];
            if (Dims(kernel, a, b) is { Count: > 0 } dims) return Merge(kernel, a, b, dims);
        }
        while (ReducePair(kernel) is var (a, b, dims)) kernel = Merge(kernel, a, b, dims);
        return kernel;
    }

    /// <summary>Two adjacent axes of a plain reduction, both of extent above 1, that every access reads contiguously.</summary>
    private static (string A, string B, Dictionary<string, int> Dims)? ReducePair(TileKernel kernel)
    {
        foreach (var c in kernel.Computations)
        {
            if (c.Reduce is not { } r || DotShape.DefaultRoles(c, x => kernel.Axis(x).Extent) is not null) continue;
            for (int i = 0; i + 1 < r.Axes.Length; i++)
            {
                string a = r.Axes[i], b = r.Axes[i + 1];
                if (kernel.Axis(a).Extent > 1 && kernel.Axis(b).Extent > 1 && Dims(kernel, a, b, reduce: true) is { Count: > 0 } dims)
                    return (a, b, dims);
            }
        }
        return null;
    }

    /// <summary>For every buffer accessed through (a, b): the dim where a is, the same for every access; null where some
    /// access is not contiguous across a and b.</summary>
    /// <param name="reduce">a and b are reduction axes: a computation may reduce over both (adjacent, in that order) and
    /// index its output with neither; otherwise no computation may reduce over either.</param>
    private static Dictionary<string, int>? Dims(TileKernel kernel, string a, string b, bool reduce = false)
    {
        long extentB = kernel.Axis(b).Extent;
        var dims = new Dictionary<string, int>(StringComparer.Ordinal);
        var direct = new HashSet<string>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var c in kernel.Computations)
        {
            if (c.Reduce is { } r && (r.Axes.Contains(a) || r.Axes.Contains(b))
                && !(reduce && r.Axes.IndexOf(a) is var ra and >= 0 && r.Axes.IndexOf(b) == ra + 1))
                return null;
            int ia = c.Indices.IndexOf(a), ib = c.Indices.IndexOf(b);
            if (ia < 0 != ib < 0 || ia >= 0 && ib != ia + 1) return null;
            Access(c.Output, ia);
            Visit(c.Body);
        }
        // A buffer accessed both through the pair and without it cannot change its dims.
        return ok && !dims.Keys.Any(direct.Contains) ? dims : null;

        void Access(string buffer, int d)
        {
            if (d < 0) { direct.Add(buffer); return; }
            if (dims.TryGetValue(buffer, out int had) && had != d) ok = false;
            dims[buffer] = d;
        }

        void Visit(Expr e)
        {
            switch (e)
            {
                case IndexVar v when v.Name == a || v.Name == b:
                    ok = false;
                    break;
                case Load l:
                    int at = -1;
                    for (int d = 0; d < l.Indices.Length; d++)
                    {
                        if (l.Indices[d] is IndexVar { Name: var n } && n == a && d + 1 < l.Indices.Length
                            && l.Indices[d + 1] is IndexVar { Name: var m } && m == b && kernel.Buffer(l.Buffer).Shape[d + 1] == extentB && at < 0)
                        {
                            at = d++;
                            continue;
                        }
                        Visit(l.Indices[d]);
                    }
                    Access(l.Buffer, at);
                    break;
                case Unary u: Visit(u.X); break;
                case Binary bin: Visit(bin.A); Visit(bin.B); break;
                case Select s: Visit(s.Condition); Visit(s.IfTrue); Visit(s.IfFalse); break;
                case Cast cast: Visit(cast.X); break;
            }
        }
    }

    private static TileKernel Merge(TileKernel kernel, string a, string b, Dictionary<string, int> dims)
    {
        string merged = kernel.UniqueAxisName(a + "_" + b);
        long extent = kernel.Axis(a).Extent * kernel.Axis(b).Extent;
        var rebuilder = new PairMerger(a, b, merged, dims);
        return kernel with
        {
            Inputs = [.. kernel.Inputs.Select(Reshape)],
            Outputs = [.. kernel.Outputs.Select(Reshape)],
            Temps = [.. kernel.Temps.Select(Reshape)],
            Axes = [.. kernel.Axes.Where(x => x.Name != b).Select(x => x.Name == a ? new Axis(merged, extent) : x)],
            Computations = [.. kernel.Computations.Select(c => c with
            {
                Indices = c.Indices.IndexOf(a) is var i and >= 0 ? c.Indices.RemoveAt(i + 1).SetItem(i, merged) : c.Indices,
                Reduce = c.Reduce is { } r && r.Axes.IndexOf(a) is var j and >= 0 ? r with { Axes = r.Axes.RemoveAt(j + 1).SetItem(j, merged) } : c.Reduce,
                Body = rebuilder.Rebuild(c.Body),
            })],
        };

        TileBuffer Reshape(TileBuffer buf) => dims.TryGetValue(buf.Name, out int d)
            ? buf with { Shape = buf.Shape.RemoveAt(d + 1).SetItem(d, buf.Shape[d] * buf.Shape[d + 1]) }
            : buf;
    }

    private sealed class PairMerger(string a, string b, string merged, Dictionary<string, int> dims) : ExprRebuilder
    {
        public override Expr Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
        {
            var rebuilt = indices.Select(Rebuild).ToImmutableArray();
            if (dims.TryGetValue(buffer, out int d) && rebuilt[d] is IndexVar { Name: var n } && n == a
                && rebuilt[d + 1] is IndexVar { Name: var m } && m == b)
                rebuilt = rebuilt.RemoveAt(d + 1).SetItem(d, new IndexVar(merged));
            return new Load(buffer, rebuilt, elementType);
        }
    }
}
