using System.Collections.Immutable;
using Strata.Core;
using static Strata.Tile.Lowerings.ComputeExprs;

namespace Strata.Tile.Lowerings;

/// <summary>MatMul, Gemm and Einsum: one sum reduction each, <c>%acc[m, n] = sum[k] mul(%a[m, k], %b[k, n])</c>.
/// Like the reference's matrix kernels they accumulate in the element type, in f32 for f16/bf16, and integers wrap.</summary>
internal static class ContractionLowerings
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddLowering("", "MatMul", Explained(MatMul));
        registry.AddLowering("", "Gemm", Explained(Gemm));
        registry.AddLowering("", "Einsum", Explained(Einsum));
    }

    /// <summary>Element types the reference's MatMul and Einsum compute.</summary>
    private static bool IsMatrixType(DataType t) => t is DataType.Float64 or DataType.Float32 or DataType.Float16 or DataType.BFloat16
        or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64
        or DataType.Int8 or DataType.Int16 or DataType.UInt8 or DataType.UInt16;

    /// <summary>The index into an operand's batch dims for output batch index <paramref name="batch"/> (numpy broadcast).</summary>
    private static IEnumerable<Expr> BatchIndex(IReadOnlyList<long> operandBatch, IReadOnlyList<long> batchShape, IReadOnlyList<Expr> batch)
    {
        int offset = batchShape.Count - operandBatch.Count;
        for (int d = 0; d < operandBatch.Count; d++)
            yield return operandBatch[d] == 1 && batchShape[d + offset] != 1 ? Ix(0) : batch[d + offset];
    }

    /// <summary>numpy matmul: <c>out[b…, m, n] = sum[k] a[b…, m, k] · b[b…, k, n]</c>; a 1-D left operand is a row,
    /// a 1-D right operand a column, and the promoted dim is dropped from the result.</summary>
    private static IReadOnlyList<TileValue?>? MatMul(TileLoweringContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var t = a.Type;
        if (b.Type != t || !IsMatrixType(t)) return null;
        var acc = MatrixAccumulator(t);
        if (Product(c.Builder, Map(a, acc, x => To(x, acc)), Map(b, acc, x => To(x, acc))) is not { } result) return null;
        return [Value(t, result.Shape, o => To(result.At(o), t))];
    }

    /// <summary>A value with <paramref name="f"/> applied to every element.</summary>
    internal static TileValue Map(TileValue v, DataType type, Func<Expr, Expr> f) => Value(type, v.Shape, idx => f(v.At(idx)));

    /// <summary>The numpy matrix product of two values of the accumulator type, as a sum reduction
    /// (<c>%acc[b…, m, n] = sum[k] mul(a, b)</c>); null when the shapes do not multiply.</summary>
    internal static TileValue? Product(KernelBuilder kb, TileValue a, TileValue b)
    {
        if (a.Rank == 0 || b.Rank == 0) return null;
        bool rowA = a.Rank == 1, colB = b.Rank == 1;
        long k = a.Shape[^1];
        long m = rowA ? 1 : a.Shape[^2];
        long n = colB ? 1 : b.Shape[^1];
        if ((colB ? b.Shape[0] : b.Shape[^2]) != k) return null;
        var batchA = rowA ? [] : a.Shape[..^2].ToArray();
        var batchB = colB ? [] : b.Shape[..^2].ToArray();
        if (BroadcastShapes(batchA, batchB) is not { } batch) return null;
        int nb = batch.Length;
        var outShape = batch.ToList();
        var hints = Enumerable.Repeat("b", nb).ToList();
        if (!rowA) { outShape.Add(m); hints.Add("m"); }
        if (!colB) { outShape.Add(n); hints.Add("n"); }
        return kb.Reduce(ReduceOp.Sum, [.. outShape], [k], (o, r) =>
        {
            var bi = o.Take(nb).ToArray();
            Expr kk = r[0];
            Expr[] ai = rowA ? [kk] : [.. BatchIndex(batchA, batch, bi), o[nb], kk];
            Expr[] bj = colB ? [kk] : [.. BatchIndex(batchB, batch, bi), kk, o[^1]];
            return Mul(a.At(ai), b.At(bj));
        }, "acc", hints, ["k"]);
    }

    /// <summary>Gemm: <c>alpha · A' · B' + beta · C</c> with optional transposes and C broadcast to [M, N].</summary>
    private static IReadOnlyList<TileValue?>? Gemm(TileLoweringContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var t = a.Type;
        if (b.Type != t || a.Rank != 2 || b.Rank != 2) return null;
        if (t is not (DataType.Float64 or DataType.Float32 or DataType.Float16 or DataType.BFloat16
            or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64)) return null;
        bool ta = c.Node.GetInt("transA", 0) != 0, tb = c.Node.GetInt("transB", 0) != 0;
        double alpha = c.Node.GetFloat("alpha", 1f), beta = c.Node.GetFloat("beta", 1f);
        long m = ta ? a.Shape[1] : a.Shape[0], k = ta ? a.Shape[0] : a.Shape[1];
        long kb = tb ? b.Shape[1] : b.Shape[0], n = tb ? b.Shape[0] : b.Shape[1];
        if (k != kb) return null;
        TileValue? cv = null;
        if (c.HasInput(2) && beta != 0)
        {
            var ci = c.Input(2);
            if (ci.Type != t || !BroadcastsTo(ci.Shape, [m, n])) return null;
            cv = BroadcastTo(ci, [m, n]);
        }

        var acc = MatrixAccumulator(t);
        var y = c.Builder.Reduce(ReduceOp.Sum, [m, n], [k], (o, r) =>
            Mul(To(ta ? a.At(r[0], o[0]) : a.At(o[0], r[0]), acc), To(tb ? b.At(o[1], r[0]) : b.At(r[0], o[1]), acc)),
            "acc", ["m", "n"], ["k"]);
        bool isFloat = IsFloat(t);
        return [Value(t, [m, n], o =>
        {
            var v = y.At(o);
            if (isFloat)
            {
                if (alpha != 1) v = Mul(C(alpha, acc), v);
                if (cv is not null) v = Add(v, beta == 1 ? To(cv.At(o), acc) : Mul(C(beta, acc), To(cv.At(o), acc)));
                return To(v, t);
            }
            // Integers scale through f64 and truncate, as the reference does.
            if (alpha != 1) v = To(Mul(C(alpha, DataType.Float64), F64(v)), t);
            if (cv is not null) v = Add(v, To(Mul(C(beta, DataType.Float64), F64(cv.At(o))), t));
            return v;
        })];
    }

    // ---- Einsum ----

    private const int EllipsisBase = 52;

    /// <summary>Einsum by index mapping: every output label is an output axis, every other label a reduction axis;
    /// a repeated label reads a diagonal; size-1 dims broadcast; the ellipsis stands for right-aligned broadcast dims.</summary>
    private static IReadOnlyList<TileValue?>? Einsum(TileLoweringContext c)
    {
        int count = c.Node.Inputs.Length;
        if (count == 0 || Enumerable.Range(0, count).Any(i => !c.HasInput(i))) return null;
        var ops = Enumerable.Range(0, count).Select(c.Input).ToArray();
        var t = ops[0].Type;
        if (!IsMatrixType(t) || ops.Any(o => o.Type != t)) return null;
        if (ParseEquation(c.Node.GetString("equation", ""), ops.Select(o => o.Rank).ToArray()) is not { } parsed) return null;
        var (inputs, output) = parsed;

        var size = new Dictionary<int, long>();
        for (int i = 0; i < count; i++)
            for (int d = 0; d < inputs[i].Length; d++)
            {
                int l = inputs[i][d];
                long s = ops[i].Shape[d];
                if (!size.TryGetValue(l, out var cur) || cur == 1) size[l] = s;
                else if (s != cur && s != 1) return null;
            }
        if (output.Any(l => !size.ContainsKey(l))) return null;
        var summed = size.Keys.Where(l => !output.Contains(l)).OrderBy(l => l).ToArray();
        var acc = MatrixAccumulator(t);
        var result = ComputeExprs.Reduce(c.Builder, ReduceOp.Sum, output.Select(l => size[l]).ToArray(), summed.Select(l => size[l]).ToArray(),
            (o, r) =>
            {
                var var = new Dictionary<int, Expr>();
                for (int j = 0; j < output.Length; j++) var[output[j]] = o[j];
                for (int j = 0; j < summed.Length; j++) var[summed[j]] = r[j];
                Expr? prod = null;
                for (int i = 0; i < count; i++)
                {
                    var idx = inputs[i].Select((l, d) => ops[i].Shape[d] == 1 && size[l] != 1 ? Ix(0) : var[l]).ToArray();
                    var v = To(ops[i].At(idx), acc);
                    prod = prod is null ? v : Mul(prod, v);
                }
                return prod!;
            }, "acc", output.Select(LabelName).ToArray(), summed.Select(LabelName).ToArray());
        return [Value(t, result.Shape, o => To(result.At(o), t))];
    }

    private static string LabelName(int l) => l < 26 ? ((char)('a' + l)).ToString() : l < 52 ? ((char)('A' + l - 26)).ToString() : "e";

    /// <summary>Labels per operand dim and of the output (letters 0–51, ellipsis dims 52 + j counted from the right);
    /// null when the equation is malformed or does not fit the ranks.</summary>
    private static (int[][] Inputs, int[] Output)? ParseEquation(string equation, int[] ranks)
    {
        var parts = equation.Replace(" ", "", StringComparison.Ordinal).Split("->");
        if (parts.Length > 2) return null;
        var terms = parts[0].Split(',');
        if (terms.Length != ranks.Length) return null;
        int ellipsisRank = 0;
        var inputs = new int[terms.Length][];
        for (int i = 0; i < terms.Length; i++)
        {
            if (Term(terms[i]) is not { } term) return null;
            var (labels, hasEllipsis) = term;
            int letters = labels.Count(l => l >= 0);
            int er = ranks[i] - letters;
            if (er < 0 || (!hasEllipsis && er != 0)) return null;
            ellipsisRank = Math.Max(ellipsisRank, er);
            inputs[i] = Expand(labels, er);
        }
        int[] output;
        if (parts.Length == 2)
        {
            if (Term(parts[1]) is not { } outTerm) return null;
            output = Expand(outTerm.Labels, ellipsisRank);
            if (output.Distinct().Count() != output.Length) return null;
        }
        else
        {
            var counts = new int[EllipsisBase];
            foreach (var labels in inputs) foreach (var l in labels) if (l < EllipsisBase) counts[l]++;
            var list = new List<int>();
            for (int j = ellipsisRank - 1; j >= 0; j--) list.Add(EllipsisBase + j);
            foreach (var l in Enumerable.Range(26, 26).Concat(Enumerable.Range(0, 26)))
                if (counts[l] == 1) list.Add(l);
            output = [.. list];
        }
        return (inputs, output);
    }

    private static (List<int> Labels, bool Ellipsis)? Term(string term)
    {
        var labels = new List<int>();
        bool ellipsis = false;
        for (int i = 0; i < term.Length; i++)
        {
            char ch = term[i];
            if (ch == '.')
            {
                if (ellipsis || i + 2 >= term.Length || term[i + 1] != '.' || term[i + 2] != '.') return null;
                ellipsis = true;
                labels.Add(-1);
                i += 2;
            }
            else if (ch is >= 'a' and <= 'z') labels.Add(ch - 'a');
            else if (ch is >= 'A' and <= 'Z') labels.Add(26 + ch - 'A');
            else return null;
        }
        return (labels, ellipsis);
    }

    private static int[] Expand(List<int> labels, int ellipsisRank)
    {
        var r = new List<int>();
        foreach (var l in labels)
        {
            if (l >= 0) r.Add(l);
            else for (int j = ellipsisRank - 1; j >= 0; j--) r.Add(EllipsisBase + j);
        }
        return [.. r];
    }
}
