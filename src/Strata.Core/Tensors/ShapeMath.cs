namespace Strata.Core;

/// <summary>Arithmetic on concrete shapes: sizes, strides, broadcasting, axis normalisation.</summary>
public static class ShapeMath
{
    public static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return checked((int)n);
    }

    /// <summary>Row-major (C order) strides in elements.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>Numpy-style multidirectional broadcast of two or more shapes.</summary>
    public static int[] Broadcast(params int[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int d = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                if (j < 0) continue;
                int sd = s[j];
                if (sd == d || sd == 1) continue;
                if (d == 1) { d = sd; continue; }
                throw new StrataException(ErrorCode.ShapeMismatch,
                    $"shapes {string.Join(" and ", shapes.Select(s => Format(s)))} do not broadcast (dim {i}: {d} vs {sd})",
                    "make the operand shapes broadcast-compatible (equal, or 1, per trailing dim)");
            }
            result[i] = d;
        }
        return result;
    }

    /// <summary>Strides for reading a tensor of shape <paramref name="from"/> as if broadcast to <paramref name="to"/> (0 on broadcast dims).</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        var strides = Strides(from);
        var r = new int[to.Length];
        int off = to.Length - from.Length;
        for (int i = 0; i < from.Length; i++)
            r[i + off] = from[i] == 1 && to[i + off] != 1 ? 0 : strides[i];
        return r;
    }

    /// <summary>For each flat index of <paramref name="to"/>, the flat index into a tensor of shape <paramref name="from"/> broadcast to it.</summary>
    public static int[] BroadcastIndexMap(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        int n = Size(to);
        var map = new int[n];
        var bs = BroadcastStrides(from, to);
        int rank = to.Length;
        var idx = new int[rank];
        int src = 0;
        for (int k = 0; k < n; k++)
        {
            map[k] = src;
            for (int d = rank - 1; d >= 0; d--)
            {
                idx[d]++; src += bs[d];
                if (idx[d] < to[d]) break;
                src -= bs[d] * idx[d]; idx[d] = 0;
            }
        }
        return map;
    }

    /// <summary>Normalises a possibly negative axis into [0, rank).</summary>
    public static int NormalizeAxis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) && !(rank == 0 && a == 0))
            throw new StrataException(ErrorCode.InvalidAttribute, $"axis {axis} is out of range for rank {rank}",
                $"use an axis in [{-rank}, {rank - 1}]");
        return (int)a;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";
}
