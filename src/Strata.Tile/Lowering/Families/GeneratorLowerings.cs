using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.TileValues;

namespace Strata.Tile.Lowerings;

/// <summary>Lowerings of ops whose outputs are known from static shapes, attributes and compile-time inputs:
/// Shape, Size, Constant, ConstantOfShape, Range, EyeLike. Type inference usually folds these already; when one
/// reaches a kernel, its value is an expression of constants (a select over the flat index for small tensors
/// whose elements differ, an arithmetic formula for Range and EyeLike).</summary>
internal static class GeneratorLowerings
{
    /// <summary>Largest constant tensor with distinct elements written as a select chain.</summary>
    public const int MaxSelectElements = 16;

    public static void Register(ExtensionRegistry registry)
    {
        ViewLowerings.Add(registry, "Shape", Shape);
        ViewLowerings.Add(registry, "Size", c => c.HasInput(0)
            ? Fill(new Constant(Scalar.Int(c.Input(0).Shape.Aggregate(1L, (p, d) => p * d)), DataType.Int64), []) : null);
        ViewLowerings.Add(registry, "Constant", Constant);
        ViewLowerings.Add(registry, "ConstantOfShape", ConstantOfShape, 0);
        ViewLowerings.Add(registry, "Range", Range, 0, 1, 2);
        ViewLowerings.Add(registry, "EyeLike", EyeLike);
    }

    /// <summary>Shape: the input's dims [start, end) (all before opset 15; negative from the back, clamped).</summary>
    private static TileValue? Shape(TileLoweringContext c)
    {
        if (!c.HasInput(0)) return null;
        var shape = c.Input(0).Shape;
        int rank = shape.Length;
        long start = 0, end = rank;
        if (c.Opset >= 15)
        {
            start = c.Node.GetInt("start", 0);
            end = c.Node.GetInt("end", rank);
            if (start < 0) start += rank;
            if (end < 0) end += rank;
            start = Math.Clamp(start, 0, rank);
            end = Math.Clamp(end, 0, rank);
        }
        var dims = shape.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        return FromTensor(new Tensor<long>(dims, [dims.Length]), maxElements: 64);
    }

    private static TileValue? Constant(TileLoweringContext c)
    {
        var n = c.Node;
        Tensor? t = n.Attr("value") is { } v ? v.AsTensor()
            : n.Attr("value_float") is { } f ? Tensor<float>.Scalar(f.AsFloat())
            : n.Attr("value_floats") is { } fs ? new Tensor<float>(fs.AsFloats(), [fs.AsFloats().Length])
            : n.Attr("value_int") is { } i ? Tensor<long>.Scalar(i.AsInt())
            : n.Attr("value_ints") is { } ints ? new Tensor<long>(ints.AsInts(), [ints.AsInts().Length])
            : null;
        return t is null ? null : FromTensor(t, MaxSelectElements);
    }

    private static TileValue? ConstantOfShape(TileLoweringContext c)
    {
        if (Lowering.ConstInts(c, 0) is not { } dims || dims.Any(d => d < 0)) return null;
        var value = c.Node.Attr("value")?.AsTensor() ?? Tensor<float>.Scalar(0f);
        if (value.Length != 1 || !ScalarSemantics.IsSupported(value.DataType)) return null;
        return Fill(Element(value, 0), [.. dims]);
    }

    /// <summary>Range: <c>start + i·delta</c> for i in [0, ceil((limit − start) / delta)), in the element type
    /// (bfloat16 in double), as the reference computes it.</summary>
    private static TileValue? Range(TileLoweringContext c)
    {
        var inputs = Enumerable.Range(0, 3).Select(c.ConstantInput).ToArray();
        if (inputs.Any(t => t is null || t.Length != 1 || !ScalarSemantics.IsSupported(t.DataType) || t.DataType != inputs[0]!.DataType)) return null;
        var type = inputs[0]!.DataType;
        if (type == DataType.Bool) return null;
        var (s, l, d) = (Element(inputs[0]!, 0), Element(inputs[1]!, 0), Element(inputs[2]!, 0));
        long n;
        if (ScalarSemantics.IsFloat(type))
        {
            double ds = s.Value.F, dl = l.Value.F, dd = d.Value.F;
            if (dd == 0) return null;
            n = (long)Math.Max(Math.Ceiling((dl - ds) / dd), 0);
        }
        else
        {
            Int128 diff = (Int128)Wide(l, type) - Wide(s, type), step = Wide(d, type);
            if (step == 0) return null;
            Int128 q = diff / step;
            if (q * step != diff && (diff > 0) == (step > 0)) q++;
            n = (long)Int128.Clamp(q, 0, int.MaxValue);
        }
        var compute = type == DataType.BFloat16 ? DataType.Float64 : type;
        return new TileValue(type, [n], idx => CastTo(new Binary(BinaryOp.Add, CastTo(s, compute),
            new Binary(BinaryOp.Mul, CastTo(idx[0], compute), CastTo(d, compute))), type));
    }

    private static Int128 Wide(Constant c, DataType t) => t == DataType.UInt64 ? (Int128)(ulong)c.Value.I : c.Value.I;

    /// <summary>EyeLike: ones where <c>col − row = k</c>, in the dtype attribute's type (else the input's).</summary>
    private static TileValue? EyeLike(TileLoweringContext c)
    {
        if (!c.HasInput(0) || c.Input(0).Rank != 2) return null;
        var type = c.Node.Attr("dtype") is { } d ? (DataType)d.AsInt() : c.Input(0).Type;
        if (!ScalarSemantics.IsSupported(type)) return null;
        long k = c.Node.GetInt("k", 0);
        return Define(type, c.Input(0).Shape, (idx, simplify) => simplify(new Select(
            new Binary(BinaryOp.Eq, new Binary(BinaryOp.Sub, idx[1], idx[0]), Expr.Index(k)), Const(1, type), Const(0, type))));
    }
}
