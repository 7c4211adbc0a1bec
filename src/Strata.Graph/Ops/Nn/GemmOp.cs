using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Gemm (opsets 1–13): <c>Y = alpha·A'·B' + beta·C</c> with A' = transA ? Aᵀ : A (likewise B'), and C
/// (optional since opset 11) broadcast unidirectionally to [M, N].</summary>
internal static class GemmOp
{
    public static OpSchema Schema => new("", "Gemm", c => [InferType(c)], c => [Evaluate(c)]);

    private static TensorType? InferType(InferenceContext c)
    {
        var a = c.InputTensor(0);
        var b = c.InputTensor(1);
        if (a is null) return null;
        if (a.Shape is null || b?.Shape is null) return new TensorType(a.ElementType, Shape.Of(new[] { Dim.Unknown, Dim.Unknown }));
        if (a.Shape.Rank != 2 || b.Shape.Rank != 2)
            throw c.Error(ErrorCode.ShapeMismatch, $"Gemm operands must be matrices, got {a.Shape} and {b.Shape}");
        bool ta = c.Node.GetInt("transA", 0) != 0, tb = c.Node.GetInt("transB", 0) != 0;
        var m = ta ? a.Shape[1] : a.Shape[0];
        var n = tb ? b.Shape[0] : b.Shape[1];
        return new TensorType(a.ElementType, Shape.Of(new[] { m, n }));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        var a = ctx.Input(0);
        return a.DataType switch
        {
            DataType.Float64 => Compute<double>(ctx),
            DataType.Float32 or DataType.Float16 or DataType.BFloat16 => Compute<float>(ctx),
            DataType.Int32 => Compute<int>(ctx),
            DataType.Int64 => Compute<long>(ctx),
            DataType.UInt32 => Compute<uint>(ctx),
            DataType.UInt64 => Compute<ulong>(ctx),
            _ => throw ctx.Error(ErrorCode.UnsupportedDataType, $"Gemm does not support {a.DataType.ShortName()}"),
        };
    }

    private static Tensor Compute<T>(OpContext ctx) where T : unmanaged, INumber<T>
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var cIn = ctx.OptionalInput(2);
        if (a.Rank != 2 || b.Rank != 2)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Gemm operands must be matrices, got {ShapeMath.Format(a.Shape)} and {ShapeMath.Format(b.Shape)}");
        bool transA = ctx.Int("transA", 0) != 0, transB = ctx.Int("transB", 0) != 0;
        double alpha = ctx.Float("alpha", 1f), beta = ctx.Float("beta", 1f);
        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw ctx.Error(ErrorCode.ShapeMismatch, $"Gemm contraction dims differ: A' is [{m},{k}], B' is [{kb},{n}]",
                "check transA/transB against the operand shapes");

        var am = Operand<T>(a, transA);
        var y = new T[m * n];
        if (transB)
            MatrixMultiply.MultiplyTransposedParallel<T>(m, n, k, am, k, Operand<T>(b, false), k, y, n);
        else
            MatrixMultiply.MultiplyParallel<T>(m, n, k, am, k, Operand<T>(b, false), n, y, n, accumulate: false);

        bool isFloat = typeof(T) == typeof(float) || typeof(T) == typeof(double);
        if (alpha != 1)
        {
            T alphaT = T.CreateTruncating(alpha);
            for (int i = 0; i < y.Length; i++)
                y[i] = isFloat ? alphaT * y[i] : T.CreateTruncating(alpha * double.CreateTruncating(y[i]));
        }
        if (cIn is not null && beta != 0)
        {
            var outShape = new[] { m, n };
            if (!BroadcastsTo(cIn.Shape, outShape))
                throw ctx.Error(ErrorCode.ShapeMismatch, $"Gemm C of shape {ShapeMath.Format(cIn.Shape)} does not broadcast to [{m},{n}]");
            var cm = Operand<T>(cIn, false).Span;
            var map = ShapeMath.BroadcastIndexMap(cIn.Shape, outShape);
            T betaT = T.CreateTruncating(beta);
            for (int i = 0; i < y.Length; i++)
            {
                T cv = cm[map[i]];
                y[i] += isFloat ? (beta == 1 ? cv : betaT * cv) : T.CreateTruncating(beta * double.CreateTruncating(cv));
            }
        }
        return isFloat ? FloatBuffers.Write(a.DataType, y, [m, n]) : new Tensor<T>(y, [m, n]);
    }

    /// <summary>Unidirectional broadcast: each trailing dim of <paramref name="from"/> is 1 or equal.</summary>
    public static bool BroadcastsTo(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        if (from.Length > to.Length) return false;
        for (int i = 1; i <= from.Length; i++)
            if (from[^i] != 1 && from[^i] != to[^i]) return false;
        return true;
    }

    /// <summary>The operand as a row-major matrix in the compute type, transposed if asked.</summary>
    private static ReadOnlyMemory<T> Operand<T>(Tensor t, bool transpose) where T : unmanaged
    {
        ReadOnlyMemory<T> data = t is Tensor<T> same ? same.Memory : FloatBuffers.Read<T>(t);
        if (!transpose) return data;
        int rows = t.Shape[0], cols = t.Shape[1];
        var src = data.Span;
        var r = new T[src.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                r[j * rows + i] = src[i * cols + j];
        return r;
    }
}
