using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>numpy-style matrix product for the quantized ops (MatMulInteger, QLinearMatMul): 1-D operands are
/// promoted and their dim removed from the result, batch dims broadcast. Integer operands accumulate in int32
/// (wrapping, as the spec allows only in the accumulator); float8 operands accumulate in double.</summary>
internal static class QuantizedMatMul
{
    /// <summary>The product's shape, or an error if the operands do not multiply.</summary>
    public static int[] OutputShape(int[] a, int[] b, OpContext c)
    {
        if (a.Length == 0 || b.Length == 0)
            throw c.Error(ErrorCode.ShapeMismatch, "matrix product operands must have rank >= 1", "reshape scalars to 1-D");
        int k = a[^1], kb = b.Length == 1 ? b[0] : b[^2];
        if (k != kb)
            throw c.Error(ErrorCode.ShapeMismatch, $"inner dims differ: {ShapeMath.Format(a)} x {ShapeMath.Format(b)}",
                "the last dim of A must equal the second-to-last dim of B");
        var batch = ShapeMath.Broadcast(a.Length > 2 ? a[..^2] : [], b.Length > 2 ? b[..^2] : []);
        var result = new List<int>(batch);
        if (a.Length > 1) result.Add(a[^2]);
        if (b.Length > 1) result.Add(b[^1]);
        return result.ToArray();
    }

    /// <summary>Static shape of the product, with symbolic dims where known.</summary>
    public static Shape? InferShape(Shape? a, Shape? b)
    {
        if (a is null || b is null || a.Rank == 0 || b.Rank == 0) return null;
        var batch = Infer.BroadcastShapes([Shape.Of(a.Dims.Take(Math.Max(0, a.Rank - 2))), Shape.Of(b.Dims.Take(Math.Max(0, b.Rank - 2)))]);
        var dims = new List<Dim>(batch.Dims);
        if (a.Rank > 1) dims.Add(a[a.Rank - 2]);
        if (b.Rank > 1) dims.Add(b[b.Rank - 1]);
        return Shape.Of(dims);
    }

    /// <summary>The product of <paramref name="a"/> and <paramref name="b"/> (row-major data of the given shapes).</summary>
    public static T[] Multiply<T>(T[] a, int[] aShape, T[] b, int[] bShape, int[] outShape) where T : INumber<T>
    {
        int m = aShape.Length > 1 ? aShape[^2] : 1, k = aShape[^1];
        int n = bShape.Length > 1 ? bShape[^1] : 1;
        int[] aBatch = aShape.Length > 2 ? aShape[..^2] : [], bBatch = bShape.Length > 2 ? bShape[..^2] : [];
        var batch = ShapeMath.Broadcast(aBatch, bBatch);
        var aMap = ShapeMath.BroadcastIndexMap(aBatch, batch);
        var bMap = ShapeMath.BroadcastIndexMap(bBatch, batch);
        var result = new T[ShapeMath.Size(outShape)];
        for (int bi = 0; bi < aMap.Length; bi++)
        {
            int aOff = aMap[bi] * m * k, bOff = bMap[bi] * k * n, oOff = bi * m * n;
            for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                T av = a[aOff + i * k + p];
                int bRow = bOff + p * n, oRow = oOff + i * n;
                for (int j = 0; j < n; j++) result[oRow + j] += av * b[bRow + j];
            }
        }
        return result;
    }

    /// <summary>For each element of an operand of <paramref name="operandShape"/>, the index of its quantization
    /// parameter (zero point or scale). A scalar or one-element parameter is per tensor; a 1-D parameter of length
    /// M is per row of A (<paramref name="perRow"/>), one of length N per column of B; N-D parameters
    /// (<c>[.., M, 1]</c> or <c>[.., 1, N]</c>) broadcast.</summary>
    public static int[] ParameterIndex(int[] parameterShape, int[] operandShape, bool perRow, OpContext c)
    {
        if (ShapeMath.Size(parameterShape) == 1) return new int[ShapeMath.Size(operandShape)];
        var shape = perRow && parameterShape.Length == 1 && operandShape.Length >= 2 ? [parameterShape[0], 1] : parameterShape;
        try
        {
            var broadcast = ShapeMath.Broadcast(shape, operandShape);
            if (!broadcast.AsSpan().SequenceEqual(operandShape)) throw new InvalidOperationException();
        }
        catch (Exception e) when (e is StrataException or InvalidOperationException)
        {
            throw c.Error(ErrorCode.ShapeMismatch,
                $"quantization parameter of shape {ShapeMath.Format(parameterShape)} does not fit operand {ShapeMath.Format(operandShape)}",
                perRow ? "use a scalar or one value per row of A" : "use a scalar or one value per column of B");
        }
        return ShapeMath.BroadcastIndexMap(shape, operandShape);
    }

    /// <summary>Operand values minus their zero point, as int32.</summary>
    public static int[] CenteredInt32(Tensor operand, Tensor? zeroPoint, bool perRow, OpContext c)
    {
        var values = TensorConvert.ToInt64s(operand);
        var r = new int[values.Length];
        if (zeroPoint is null)
        {
            for (int i = 0; i < r.Length; i++) r[i] = (int)values[i];
            return r;
        }
        var zeros = TensorConvert.ToInt64s(zeroPoint);
        var index = ParameterIndex(zeroPoint.Shape, operand.Shape, perRow, c);
        for (int i = 0; i < r.Length; i++) r[i] = (int)(values[i] - zeros[index[i]]);
        return r;
    }

    /// <summary>Operand values minus their zero point, as doubles (for float8 operands).</summary>
    public static double[] CenteredDouble(Tensor operand, Tensor? zeroPoint, bool perRow, OpContext c)
    {
        var values = TensorConvert.ToDoubles(operand);
        if (zeroPoint is null) return values;
        var zeros = TensorConvert.ToDoubles(zeroPoint);
        var index = ParameterIndex(zeroPoint.Shape, operand.Shape, perRow, c);
        for (int i = 0; i < values.Length; i++) values[i] -= zeros[index[i]];
        return values;
    }
}
