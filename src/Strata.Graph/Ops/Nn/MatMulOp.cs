using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>MatMul (opsets 1, 9, 13): numpy matmul. A 1-D left operand is a row vector and a 1-D right operand a
/// column vector (the promoted dim is removed from the result); leading (batch) dims broadcast.</summary>
internal static class MatMulOp
{
    public static OpSchema Schema => new("", "MatMul", c => [InferType(c)], c => [Evaluate(c.Input(0), c.Input(1), c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var a = c.InputTensor(0);
        var b = c.InputTensor(1);
        if (a is null) return null;
        if (a.Shape is null || b?.Shape is null) return new TensorType(a.ElementType, null);
        var shape = InferShape(a.Shape, b.Shape, c);
        return new TensorType(a.ElementType, shape);
    }

    /// <summary>Static numpy-matmul shape; throws on a contraction mismatch between known dims.</summary>
    public static Shape InferShape(Shape a, Shape b, InferenceContext c)
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw c.Error(ErrorCode.ShapeMismatch, "MatMul operands must have rank >= 1", "use Mul for scalars");
        var ad = a.Dims.ToList();
        var bd = b.Dims.ToList();
        bool promoteA = ad.Count == 1, promoteB = bd.Count == 1;
        if (promoteA) ad.Insert(0, Dim.Of(1));
        if (promoteB) bd.Add(Dim.Of(1));
        var ka = ad[^1];
        var kb = bd[^2];
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value)
            throw c.Error(ErrorCode.ShapeMismatch, $"MatMul contraction dims differ: {a} x {b}",
                "the last dim of A must equal the second-to-last dim of B");
        var batch = Infer.BroadcastShapes([Shape.Of(ad.Take(ad.Count - 2)), Shape.Of(bd.Take(bd.Count - 2))]);
        var dims = batch.Dims.ToList();
        if (!promoteA) dims.Add(ad[^2]);
        if (!promoteB) dims.Add(bd[^1]);
        return Shape.Of(dims);
    }

    public static Tensor Evaluate(Tensor a, Tensor b, OpContext? ctx = null)
    {
        if (a.DataType != b.DataType)
            throw Fail(ctx, ErrorCode.TypeMismatch, $"MatMul operands have different element types ({a.DataType.ShortName()}, {b.DataType.ShortName()})");
        return a.DataType switch
        {
            DataType.Float64 => Compute<double>(a, b, ctx),
            DataType.Float32 or DataType.Float16 or DataType.BFloat16 => Compute<float>(a, b, ctx),
            DataType.Int32 => Compute<int>(a, b, ctx),
            DataType.Int64 => Compute<long>(a, b, ctx),
            DataType.UInt32 => Compute<uint>(a, b, ctx),
            DataType.UInt64 => Compute<ulong>(a, b, ctx),
            DataType.Int8 => Compute<sbyte>(a, b, ctx),
            DataType.Int16 => Compute<short>(a, b, ctx),
            DataType.UInt8 => Compute<byte>(a, b, ctx),
            DataType.UInt16 => Compute<ushort>(a, b, ctx),
            _ => throw Fail(ctx, ErrorCode.UnsupportedDataType, $"MatMul does not support {a.DataType.ShortName()}"),
        };
    }

    private static Tensor Compute<T>(Tensor a, Tensor b, OpContext? ctx) where T : unmanaged, INumber<T>
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw Fail(ctx, ErrorCode.ShapeMismatch, "MatMul operands must have rank >= 1");
        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        if (sb[^2] != k)
            throw Fail(ctx, ErrorCode.ShapeMismatch,
                $"MatMul contraction dims differ: {ShapeMath.Format(a.Shape)} x {ShapeMath.Format(b.Shape)}");
        var batchA = sa[..^2];
        var batchB = sb[..^2];
        var batch = ShapeMath.Broadcast(batchA, batchB);
        var outShape = new List<int>(batch);
        if (a.Rank != 1) outShape.Add(m);
        if (b.Rank != 1) outShape.Add(n);

        var am = Read<T>(a);
        var bm = Read<T>(b);
        int batchCount = ShapeMath.Size(batch);
        var y = new T[(long)batchCount * m * n];
        var mapA = ShapeMath.BroadcastIndexMap(batchA, batch);
        var mapB = ShapeMath.BroadcastIndexMap(batchB, batch);
        int strideA = m * k, strideB = k * n, strideY = m * n;
        var ym = y.AsMemory();
        bool perBatchParallel = batchCount >= Environment.ProcessorCount
            && (long)batchCount * m * n * k >= MatrixMultiply.ParallelThreshold;
        if (perBatchParallel)
        {
            Parallel.For(0, batchCount, i =>
                MatrixMultiply.Multiply(m, n, k, am.Span[(mapA[i] * strideA)..], k, bm.Span[(mapB[i] * strideB)..], n,
                    ym.Span[(i * strideY)..], n, accumulate: false));
        }
        else
        {
            for (int i = 0; i < batchCount; i++)
                MatrixMultiply.MultiplyParallel(m, n, k, am[(mapA[i] * strideA)..], k, bm[(mapB[i] * strideB)..], n,
                    ym[(i * strideY)..], n, accumulate: false);
        }
        return typeof(T) == typeof(float) || typeof(T) == typeof(double)
            ? FloatBuffers.Write(a.DataType, y, outShape.ToArray())
            : new Tensor<T>(y, outShape.ToArray());
    }

    private static ReadOnlyMemory<T> Read<T>(Tensor t) where T : unmanaged =>
        t is Tensor<T> same ? same.Memory : FloatBuffers.Read<T>(t);

    private static StrataException Fail(OpContext? ctx, ErrorCode code, string message) =>
        ctx?.Error(code, message) ?? new StrataException(code, message, "check the operand shapes and types");
}
