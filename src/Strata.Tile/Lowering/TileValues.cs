using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>Building blocks for op lowerings: numpy broadcasting, elementwise maps, index-remapping views (whose
/// index expressions go through <see cref="IndexSimplifier"/>), and constants.</summary>
public static class TileValues
{
    /// <summary>The numpy broadcast of <paramref name="shapes"/>, or null when they are incompatible.</summary>
    public static ImmutableArray<long>? BroadcastShape(IEnumerable<ImmutableArray<long>> shapes)
    {
        var list = shapes.ToList();
        int rank = list.Count == 0 ? 0 : list.Max(s => s.Length);
        var result = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            long size = 1;
            foreach (var s in list)
            {
                int i = d - (rank - s.Length);
                if (i < 0) continue;
                long v = s[i];
                if (v == 1 || v == size) continue;
                if (size != 1) return null;
                size = v;
            }
            result[d] = size;
        }
        return [.. result];
    }

    /// <summary>The element of <paramref name="value"/> that numpy broadcasting reads at output position
    /// <paramref name="indices"/>: leading output dims are dropped, size-1 dims read index 0.</summary>
    public static Expr AtBroadcast(TileValue value, IReadOnlyList<Expr> indices)
    {
        int offset = indices.Count - value.Rank;
        if (offset < 0) throw new ArgumentException($"cannot broadcast a rank-{value.Rank} value to rank {indices.Count}");
        var idx = new Expr[value.Rank];
        for (int d = 0; d < idx.Length; d++) idx[d] = value.Shape[d] == 1 ? Expr.Index(0) : indices[offset + d];
        return value.At(idx);
    }

    /// <summary><paramref name="value"/> broadcast to <paramref name="shape"/> (which must be a broadcast of its shape).</summary>
    public static TileValue BroadcastTo(TileValue value, ImmutableArray<long> shape) =>
        value.Shape.SequenceEqual(shape) ? value : new(value.Type, shape, idx => AtBroadcast(value, idx));

    /// <summary>An elementwise function of values broadcast together; null when their shapes do not broadcast.</summary>
    public static TileValue? Zip(IReadOnlyList<TileValue> values, Func<Expr[], Expr> f, DataType? type = null)
    {
        if (BroadcastShape(values.Select(v => v.Shape)) is not { } shape) return null;
        Expr Body(IReadOnlyList<Expr> idx) => f(values.Select(v => AtBroadcast(v, idx)).ToArray());
        var t = type ?? InferType(values, f);
        return new TileValue(t, shape, Body);
    }

    /// <summary>A unary elementwise function (the result type is read off the function's expression).</summary>
    public static TileValue Map(TileValue x, Func<Expr, Expr> f) => Zip([x], e => f(e[0]))!;

    /// <summary>A view: output element <c>idx</c> of shape <paramref name="shape"/> is element <c>map(idx)</c> of
    /// <paramref name="x"/>. The mapped indices are simplified knowing <c>idx</c> lies in <paramref name="shape"/>.</summary>
    public static TileValue View(TileValue x, ImmutableArray<long> shape, Func<IReadOnlyList<Expr>, IReadOnlyList<Expr>> map) =>
        new(x.Type, shape, idx => x.At(SimplifyIndices(map(idx), idx, shape)));

    /// <summary>A value whose element is any expression of simplified indices (for views that guard loads with
    /// selects, such as Concat and Pad): <paramref name="body"/> receives indices and the facts about them.</summary>
    public static TileValue Define(DataType type, ImmutableArray<long> shape, Func<IReadOnlyList<Expr>, Func<Expr, Expr>, Expr> body) =>
        new(type, shape, idx =>
        {
            var facts = IndexSimplifier.Facts(idx, shape);
            return body(idx, e => IndexSimplifier.Simplify(e, facts));
        });

    /// <summary>Simplifies <paramref name="mapped"/> given that <paramref name="idx"/> lies in <paramref name="shape"/>.</summary>
    public static Expr[] SimplifyIndices(IReadOnlyList<Expr> mapped, IReadOnlyList<Expr> idx, ImmutableArray<long> shape)
    {
        var facts = IndexSimplifier.Facts(idx, shape);
        return mapped.Select(e => IndexSimplifier.Simplify(e, facts)).ToArray();
    }

    /// <summary>Row-major reshape of <paramref name="x"/> (same element count) by flat-index arithmetic over the dims
    /// that change: leading and trailing dims both shapes share pass their index through, so a reshape of the channels
    /// (a channel shuffle's split and merge) leaves a padded conv's row and column indices as they are (flattened with
    /// them, an index that may be -1 in the padding no longer simplifies).</summary>
    public static TileValue Reshape(TileValue x, ImmutableArray<long> shape)
    {
        if (x.Shape.SequenceEqual(shape)) return x;
        int prefix = 0;
        while (prefix < Math.Min(x.Rank, shape.Length) && x.Shape[prefix] == shape[prefix]) prefix++;
        int suffix = 0;
        while (suffix < Math.Min(x.Rank, shape.Length) - prefix && x.Shape[x.Rank - 1 - suffix] == shape[shape.Length - 1 - suffix]) suffix++;
        return View(x, shape, idx =>
        {
            var src = new Expr[x.Rank];
            for (int d = 0; d < prefix; d++) src[d] = idx[d];
            for (int d = 0; d < suffix; d++) src[x.Rank - 1 - d] = idx[shape.Length - 1 - d];
            var flat = FlatIndex([.. idx.Skip(prefix).Take(shape.Length - prefix - suffix)], [.. shape.Skip(prefix).Take(shape.Length - prefix - suffix)]);
            long stride = 1;
            for (int d = x.Rank - 1 - suffix; d >= prefix; d--)
            {
                Expr q = stride == 1 ? flat : new Binary(BinaryOp.FloorDiv, flat, Expr.Index(stride));
                src[d] = d == prefix ? q : new Binary(BinaryOp.Mod, q, Expr.Index(x.Shape[d]));
                stride *= x.Shape[d];
            }
            return src;
        });
    }

    /// <summary>Transpose: output dim d is input dim <paramref name="perm"/>[d].</summary>
    public static TileValue Transpose(TileValue x, IReadOnlyList<int> perm)
    {
        if (perm.Select((p, i) => p == i).All(b => b)) return x;
        var shape = perm.Select(p => x.Shape[p]).ToImmutableArray();
        return View(x, shape, idx =>
        {
            var src = new Expr[x.Rank];
            for (int d = 0; d < perm.Count; d++) src[perm[d]] = idx[d];
            return src;
        });
    }

    /// <summary>A value of <paramref name="shape"/> whose every element is <paramref name="c"/>.</summary>
    public static TileValue Fill(Expr c, ImmutableArray<long> shape) => new(c.Type, shape, _ => c);

    /// <summary>The constant <paramref name="v"/> converted to <paramref name="type"/> as a cast from double does (ints
    /// truncate and saturate, floats round, bool is v != 0): the reference's <c>T.CreateTruncating(v)</c>.</summary>
    public static Constant Const(double v, DataType type) => new(ScalarSemantics.Cast(Scalar.Float(v), DataType.Float64, type), type);

    public static Constant Bool(bool v) => new(Scalar.Bool(v), DataType.Bool);

    /// <summary>Element <paramref name="flat"/> of a tensor as a constant expression.</summary>
    public static Constant Element(Tensor t, int flat) => new(ScalarSemantics.Read(t, flat), t.DataType);

    /// <summary>A compile-time tensor as a value: one constant when all elements are equal, else (up to
    /// <paramref name="maxElements"/>) a select over the flat index. Null for unsupported types or larger tensors.</summary>
    public static TileValue? FromTensor(Tensor t, int maxElements = 16)
    {
        if (!ScalarSemantics.IsSupported(t.DataType)) return null;
        var shape = t.Shape.Select(d => (long)d).ToImmutableArray();
        if (t.Length == 0) return new TileValue(t.DataType, shape, _ => Element(TensorFactory.Create(t.DataType, [1]), 0));
        var first = Element(t, 0);
        bool uniform = true;
        for (int i = 1; i < t.Length && uniform; i++) uniform = Element(t, i).Equals(first);
        if (uniform) return Fill(first, shape);
        if (t.Length > maxElements) return null;
        return Define(t.DataType, shape, (idx, simplify) =>
        {
            var flat = simplify(FlatIndex(idx, shape));
            Expr e = Element(t, t.Length - 1);
            for (int i = t.Length - 2; i >= 0; i--)
                e = new Select(new Binary(BinaryOp.Eq, flat, Expr.Index(i)), Element(t, i), e);
            return simplify(e);
        });
    }

    /// <summary>The row-major flat position of <paramref name="idx"/> in <paramref name="shape"/>: <c>Σ idx[d]·stride[d]</c>,
    /// outermost dim first.</summary>
    public static Expr FlatIndex(IReadOnlyList<Expr> idx, IReadOnlyList<long> shape)
    {
        var strides = new long[shape.Count];
        long stride = 1;
        for (int d = shape.Count - 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]; }
        Expr? flat = null;
        for (int d = 0; d < shape.Count; d++)
        {
            var term = Mul(idx[d], strides[d]);
            flat = flat is null ? term : Add(flat, term);
        }
        return flat ?? Expr.Index(0);
    }

    /// <summary>The single element of a one-element value (a scalar or shape [1]).</summary>
    public static Expr Single(TileValue v) => v.At(Enumerable.Repeat(Expr.Index(0), v.Rank).ToArray());

    public static Expr Add(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    public static Expr Mul(Expr a, long b) => b == 1 ? a : new Binary(BinaryOp.Mul, a, Expr.Index(b));

    /// <summary><paramref name="x"/> converted to <paramref name="to"/> (no cast when it already has that type).</summary>
    public static Expr CastTo(Expr x, DataType to) => x.Type == to ? x : x is Constant c ? new Constant(ScalarSemantics.Cast(c.Value, c.Type, to), to) : new Cast(x, to);

    public static ImmutableArray<long> ShapeOf(IEnumerable<int> dims) => dims.Select(d => (long)d).ToImmutableArray();

    private static DataType InferType(IReadOnlyList<TileValue> values, Func<Expr[], Expr> f)
    {
        // The function's result type, found by applying it to placeholder loads of the operands' types.
        var probe = values.Select((v, i) => (Expr)new Load("probe" + i, [], v.Type)).ToArray();
        return f(probe).Type;
    }
}
