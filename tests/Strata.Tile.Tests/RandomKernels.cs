using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Tests;

/// <summary>Random well-typed expressions and kernels for property tests (from a seed, deterministic).</summary>
public static class RandomKernels
{
    private static readonly DataType[] ValueTypes =
        [DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16, DataType.Int32, DataType.Int8, DataType.UInt8, DataType.UInt64, DataType.Int64, DataType.Bool];

    /// <summary>A random constant of <paramref name="type"/>, including awkward values (inf, nan, -0, extremes).</summary>
    public static Constant Constant(Random r, DataType type)
    {
        if (ScalarSemantics.IsFloat(type))
        {
            double v = r.Next(8) switch
            {
                0 => double.PositiveInfinity,
                1 => double.NegativeInfinity,
                2 => double.NaN,
                3 => -0.0,
                4 => r.NextDouble() * 1e-6,
                5 => (r.NextDouble() - 0.5) * 1e30,
                _ => Math.Round((r.NextDouble() - 0.5) * 100, r.Next(4)),
            };
            return Tile.Constant.Of(v, type);
        }
        long l = r.Next(4) switch
        {
            0 => long.MaxValue,
            1 => long.MinValue,
            _ => r.NextInt64(-1000, 1000),
        };
        return new Constant(Scalar.Int(ScalarSemantics.WrapInt(l, type)), type);
    }

    /// <summary>A random expression of <paramref name="type"/> over <paramref name="vars"/> and loads of
    /// <paramref name="buffers"/> (indices in range: clamped with min/max).</summary>
    public static Expr Expr(Random r, DataType type, int depth, IReadOnlyList<(string Name, long Extent)> vars, IReadOnlyList<TileBuffer> buffers)
    {
        if (type == DataType.Int64 && depth > 0 && r.Next(3) == 0)
            return new Binary(r.Next(2) == 0 ? BinaryOp.Add : BinaryOp.Mul, Expr(r, type, depth - 1, vars, buffers), Expr(r, type, depth - 1, vars, buffers));
        int choice = depth <= 0 ? r.Next(2) : r.Next(7);
        switch (choice)
        {
            case 0:
                if (type == DataType.Int64 && vars.Count > 0) return new IndexVar(vars[r.Next(vars.Count)].Name);
                return Constant(r, type);
            case 1:
                var candidates = buffers.Where(b => b.ElementType == type).ToList();
                if (candidates.Count == 0) return Constant(r, type);
                var buf = candidates[r.Next(candidates.Count)];
                return new Load(buf.Name, [.. buf.Shape.Select(d => Index(r, d, vars))], type);
            case 2:
                if (type == DataType.Bool)
                {
                    var t = ValueTypes[r.Next(ValueTypes.Length)];
                    var cmp = (BinaryOp)r.Next((int)BinaryOp.Eq, (int)BinaryOp.Ge + 1);
                    return new Binary(cmp, Expr(r, t, depth - 1, vars, buffers), Expr(r, t, depth - 1, vars, buffers));
                }
                var op = ScalarSemantics.IsFloat(type)
                    ? new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div, BinaryOp.Max, BinaryOp.Min, BinaryOp.Pow }[r.Next(7)]
                    : new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.FloorDiv, BinaryOp.Mod, BinaryOp.BitXor, BinaryOp.Max }[r.Next(7)];
                return new Binary(op, Expr(r, type, depth - 1, vars, buffers), Expr(r, type, depth - 1, vars, buffers));
            case 3:
                if (type == DataType.Bool) return new Unary(UnaryOp.Not, Expr(r, type, depth - 1, vars, buffers));
                var u = ScalarSemantics.IsFloat(type)
                    ? new[] { UnaryOp.Neg, UnaryOp.Exp, UnaryOp.Tanh, UnaryOp.Abs, UnaryOp.Gelu, UnaryOp.Sqrt }[r.Next(6)]
                    : new[] { UnaryOp.Neg, UnaryOp.Abs, UnaryOp.BitNot }[r.Next(3)];
                return new Unary(u, Expr(r, type, depth - 1, vars, buffers));
            case 4:
                return new Select(Expr(r, DataType.Bool, depth - 1, vars, buffers), Expr(r, type, depth - 1, vars, buffers), Expr(r, type, depth - 1, vars, buffers));
            case 5:
                var from = ValueTypes[r.Next(ValueTypes.Length)];
                return from == type ? Expr(r, type, depth - 1, vars, buffers) : new Cast(Expr(r, from, depth - 1, vars, buffers), type);
            default:
                return Constant(r, type);
        }
    }

    /// <summary>An in-range index for a dim of extent <paramref name="extent"/>: min(max(e, 0), extent - 1).</summary>
    private static Expr Index(Random r, long extent, IReadOnlyList<(string Name, long Extent)> vars)
    {
        Expr e = vars.Count > 0 && r.Next(3) > 0 ? new IndexVar(vars[r.Next(vars.Count)].Name) : Tile.Expr.Index(r.Next(-2, 5));
        if (r.Next(2) == 0) e = e + r.Next(-2, 3);
        return new Binary(BinaryOp.Min, new Binary(BinaryOp.Max, e, Tile.Expr.Index(0)), Tile.Expr.Index(Math.Max(0, extent - 1)));
    }

    /// <summary>A random valid kernel: inputs, then temps and an output each defined by one computation (some reductions).</summary>
    public static TileKernel Kernel(Random r, bool quotedNames = false)
    {
        var inputs = new List<TileBuffer>();
        var temps = new List<TileBuffer>();
        var outputs = new List<TileBuffer>();
        var axes = new List<Axis>();
        var comps = new List<Computation>();
        int nInputs = r.Next(0, 3);
        for (int i = 0; i < nInputs; i++)
            inputs.Add(new TileBuffer(quotedNames && i == 0 ? "in put/0" : "in" + i, ValueTypes[r.Next(ValueTypes.Length)], RandomShape(r), BufferRole.Input));
        var readable = new List<TileBuffer>(inputs);
        int nComps = r.Next(1, 4);
        for (int c = 0; c < nComps; c++)
        {
            bool last = c == nComps - 1;
            var shape = RandomShape(r);
            var outAxes = shape.Select(d => { var a = new Axis((quotedNames && axes.Count == 0 ? "axis one" : "a") + axes.Count, d); axes.Add(a); return a; }).ToList();
            var vars = outAxes.Select(a => (a.Name, a.Extent)).ToList();
            Reduction? red = null;
            var type = ValueTypes[r.Next(ValueTypes.Length)];
            var resultType = type;
            if (r.Next(3) == 0 && type != DataType.Bool)
            {
                var op = (ReduceOp)r.Next(8);
                int nred = op >= ReduceOp.ArgMax ? 1 : r.Next(1, 3);
                var redAxes = Enumerable.Range(0, nred).Select(_ => { var a = new Axis("r" + axes.Count, r.Next(0, 4)); axes.Add(a); return a; }).ToList();
                vars.AddRange(redAxes.Select(a => (a.Name, a.Extent)));
                red = new Reduction(op, [.. redAxes.Select(a => a.Name)]);
                if (op >= ReduceOp.ArgMax) resultType = DataType.Int64;
            }
            var body = Expr(r, type, 3, vars, readable);
            var buffer = new TileBuffer((last ? "out" : "t") + c, resultType, shape, last ? BufferRole.Output : BufferRole.Temp);
            (last ? outputs : temps).Add(buffer);
            readable.Add(buffer);
            comps.Add(new Computation(buffer.Name, [.. outAxes.Select(a => a.Name)], red, body));
        }
        return new TileKernel(quotedNames ? "k/" + r.Next(100) : "k" + r.Next(100), [.. inputs], [.. outputs], [.. temps], [.. axes], [.. comps]);
    }

    private static ImmutableArray<long> RandomShape(Random r) => [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => (long)r.Next(1, 4))];
}
