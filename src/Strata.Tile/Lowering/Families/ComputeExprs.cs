using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Lowerings;

/// <summary>Small constructors for the expressions the compute lowerings write: typed constants, casts, index
/// arithmetic that folds the trivial cases (<c>i*1</c>, <c>i+0</c>) so the Tile text stays readable, bounds guards,
/// and broadcasting views.</summary>
internal static class ComputeExprs
{
    /// <summary>A lowering that always gives a reason when it declines (a generic one where the function did not say).</summary>
    public static TileLowering Explained(Func<TileLoweringContext, IReadOnlyList<TileValue?>?> lower) => new(c =>
        lower(c) ?? (c.DeclineReason is null
            ? c.Decline($"{c.Node.OpType}: its element types, attributes or shapes are outside what the Tile lowering covers")
            : null));

    // ---- scalars ----

    public static Expr C(double v, DataType t) => Constant.Of(v, t);
    public static Expr Ix(long v) => Expr.Index(v);

    /// <summary><paramref name="x"/> converted to <paramref name="t"/> (no cast when it already is).</summary>
    public static Expr To(Expr x, DataType t) => x.Type == t ? x : new Cast(x, t);
    public static Expr F64(Expr x) => To(x, DataType.Float64);

    /// <summary>Rounds a double to type <paramref name="t"/> and widens it back (a reference that rounds between steps).</summary>
    public static Expr RoundVia(Expr x, DataType t) => t == x.Type ? x : To(new Cast(x, t), x.Type);

    public static Expr Un(UnaryOp op, Expr x) => new Unary(op, x);
    public static Expr Bin(BinaryOp op, Expr a, Expr b) => new Binary(op, a, b);
    public static Expr Add(Expr a, Expr b) => Bin(BinaryOp.Add, a, b);
    public static Expr Sub(Expr a, Expr b) => Bin(BinaryOp.Sub, a, b);
    public static Expr Mul(Expr a, Expr b) => Bin(BinaryOp.Mul, a, b);
    public static Expr Div(Expr a, Expr b) => Bin(BinaryOp.Div, a, b);
    public static Expr Max(Expr a, Expr b) => Bin(BinaryOp.Max, a, b);
    public static Expr Min(Expr a, Expr b) => Bin(BinaryOp.Min, a, b);
    public static Expr Eq(Expr a, Expr b) => Bin(BinaryOp.Eq, a, b);
    public static Expr Sel(Expr c, Expr t, Expr f) => new Select(c, t, f);

    /// <summary>Conjunction; null operands (no condition) are dropped; null when there is nothing to test.</summary>
    public static Expr? All(params Expr?[] conditions)
    {
        Expr? r = null;
        foreach (var c in conditions)
            if (c is not null) r = r is null ? c : Bin(BinaryOp.And, r, c);
        return r;
    }

    /// <summary><c>cond ? value : otherwise</c>, or <paramref name="value"/> when there is no condition.</summary>
    public static Expr Guard(Expr? cond, Expr value, Expr otherwise) => cond is null ? value : Sel(cond, value, otherwise);

    // ---- index arithmetic (i64), folding the trivial cases ----

    public static Expr IAdd(Expr a, Expr b)
    {
        if (a is Constant { ConstantType: DataType.Int64 } ca && b is Constant { ConstantType: DataType.Int64 } cb) return Ix(ca.Value.I + cb.Value.I);
        if (IsIndex(b, 0)) return a;
        if (IsIndex(a, 0)) return b;
        return Bin(BinaryOp.Add, a, b);
    }

    public static Expr IAdd(Expr a, long b) => b < 0 ? ISub(a, -b) : IAdd(a, Ix(b));

    public static Expr ISub(Expr a, long b)
    {
        if (a is Constant { ConstantType: DataType.Int64 } ca) return Ix(ca.Value.I - b);
        return b == 0 ? a : b < 0 ? Bin(BinaryOp.Add, a, Ix(-b)) : Bin(BinaryOp.Sub, a, Ix(b));
    }

    public static Expr ISub(Expr a, Expr b) =>
        b is Constant { ConstantType: DataType.Int64 } cb ? ISub(a, cb.Value.I) : Bin(BinaryOp.Sub, a, b);

    public static Expr IMul(Expr a, long b)
    {
        if (b == 0) return Ix(0);
        if (b == 1) return a;
        if (a is Constant { ConstantType: DataType.Int64 } ca) return Ix(ca.Value.I * b);
        return Bin(BinaryOp.Mul, a, Ix(b));
    }

    /// <summary>Floor division by a positive constant.</summary>
    public static Expr IDiv(Expr a, long b) => b == 1 ? a : a is Constant { ConstantType: DataType.Int64 } ca
        ? Ix(FloorDiv(ca.Value.I, b)) : Bin(BinaryOp.FloorDiv, a, Ix(b));

    /// <summary>Remainder by a positive constant (in [0, b)).</summary>
    public static Expr IMod(Expr a, long b) => b == 1 ? Ix(0) : a is Constant { ConstantType: DataType.Int64 } ca
        ? Ix(ca.Value.I - FloorDiv(ca.Value.I, b) * b) : Bin(BinaryOp.Mod, a, Ix(b));

    public static bool IsIndex(Expr e, long v) => e is Constant { ConstantType: DataType.Int64 } c && c.Value.I == v;

    public static long FloorDiv(long a, long b)
    {
        long d = a / b;
        return a % b != 0 && (a < 0) != (b < 0) ? d - 1 : d;
    }

    /// <summary>The flat row-major offset of <paramref name="idx"/> in <paramref name="shape"/>.</summary>
    public static Expr Flatten(IReadOnlyList<Expr> idx, IReadOnlyList<long> shape)
    {
        Expr r = Ix(0);
        for (int d = 0; d < idx.Count; d++) r = IAdd(IMul(r, shape[d]), idx[d]);
        return r;
    }

    /// <summary>The multi-index of flat offset <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static Expr[] Unflatten(Expr flat, IReadOnlyList<long> shape)
    {
        var r = new Expr[shape.Count];
        long inner = 1;
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            var q = IDiv(flat, inner);
            r[d] = d == 0 ? q : IMod(q, shape[d]);
            inner *= shape[d];
        }
        return r;
    }

    /// <summary><c>0 &lt;= i</c> and/or <c>i &lt; extent</c> (only the sides asked for); null when neither.</summary>
    public static Expr? InRange(Expr i, long extent, bool checkLow = true, bool checkHigh = true) => All(
        checkLow ? Bin(BinaryOp.Ge, i, Ix(0)) : null,
        checkHigh ? Bin(BinaryOp.Lt, i, Ix(extent)) : null);

    // ---- values ----

    /// <summary>A value from a shape and an element function.</summary>
    public static TileValue Value(DataType t, IEnumerable<long> shape, Func<IReadOnlyList<Expr>, Expr> at) => new(t, [.. shape], at);

    /// <summary>A view of <paramref name="v"/> broadcast (numpy, right-aligned) to <paramref name="shape"/>.</summary>
    public static TileValue BroadcastTo(TileValue v, IReadOnlyList<long> shape)
    {
        int offset = shape.Count - v.Rank;
        if (offset == 0 && v.Shape.SequenceEqual(shape)) return v;
        return Value(v.Type, shape, idx =>
        {
            var src = new Expr[v.Rank];
            for (int d = 0; d < v.Rank; d++) src[d] = v.Shape[d] == 1 && shape[d + offset] != 1 ? Ix(0) : idx[d + offset];
            return v.At(src);
        });
    }

    /// <summary>True when <paramref name="from"/> broadcasts unidirectionally to <paramref name="to"/>.</summary>
    public static bool BroadcastsTo(IReadOnlyList<long> from, IReadOnlyList<long> to)
    {
        if (from.Count > to.Count) return false;
        for (int i = 1; i <= from.Count; i++)
            if (from[^i] != 1 && from[^i] != to[^i]) return false;
        return true;
    }

    /// <summary>Numpy broadcast of two shapes, or null when they do not broadcast.</summary>
    public static long[]? BroadcastShapes(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        int n = Math.Max(a.Count, b.Count);
        var r = new long[n];
        for (int i = 1; i <= n; i++)
        {
            long x = i <= a.Count ? a[^i] : 1, y = i <= b.Count ? b[^i] : 1;
            if (x != y && x != 1 && y != 1) return null;
            r[^i] = x == 1 ? y : x;
        }
        return r;
    }

    /// <summary>Float types the scalar levels compute: f16, bf16, f32, f64.</summary>
    public static bool IsFloat(DataType t) => ScalarSemantics.IsFloat(t);

    /// <summary>The type the reference's matrix kernels (MatMul, Gemm, Conv, Einsum) accumulate in: f32 for the
    /// 16-bit floats, else the element type.</summary>
    public static DataType MatrixAccumulator(DataType t) => t is DataType.Float16 or DataType.BFloat16 ? DataType.Float32 : t;

    /// <summary>A reduction over <paramref name="extents"/>, or, when there is nothing to reduce over, the body at
    /// the single point (the reduction's identity combined with one value is that value).</summary>
    public static TileValue Reduce(KernelBuilder kb, ReduceOp op, IReadOnlyList<long> outShape, IReadOnlyList<long> extents,
        Func<IReadOnlyList<Expr>, IReadOnlyList<Expr>, Expr> body, string hint, IReadOnlyList<string>? axisHints = null,
        IReadOnlyList<string>? reduceHints = null)
    {
        if (extents.Count == 0 && op.Step() is not null)
        {
            var probe = body(outShape.Select(_ => Ix(0)).ToArray(), []);
            return Value(probe.Type, outShape, idx => body(idx, []));
        }
        return kb.Reduce(op, [.. outShape], extents, body, hint, axisHints, reduceHints);
    }

    /// <summary>The shape of a tensor value as longs.</summary>
    public static ImmutableArray<long> Longs(IEnumerable<int> dims) => [.. dims.Select(d => (long)d)];

    /// <summary>Normalizes a possibly negative axis; null when out of range.</summary>
    public static int? Axis(long axis, int rank) => axis < -rank || axis >= rank ? null : (int)(axis < 0 ? axis + rank : axis);

    /// <summary>Spatial axis names for window ops: <c>w</c>; <c>h, w</c>; <c>d, h, w</c>; else <c>s0, s1, …</c>.</summary>
    public static string[] SpatialNames(int rank) => rank switch
    {
        1 => ["w"],
        2 => ["h", "w"],
        3 => ["d", "h", "w"],
        _ => Enumerable.Range(0, rank).Select(i => "s" + i).ToArray(),
    };
}
