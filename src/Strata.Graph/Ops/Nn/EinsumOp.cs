using System.Numerics;
using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Einsum (opset 12): Einstein summation over an equation such as <c>bij,bjk-&gt;bik</c>. Supports the
/// implicit output form (labels that occur once, in alphabetical order, after the ellipsis dims), ellipsis
/// (broadcast, right-aligned), repeated labels within an operand (diagonals) and summed labels. Evaluated
/// directly: one pass over every combination of label values.</summary>
internal static class EinsumOp
{
    public static OpSchema Schema => new("", "Einsum", c => [InferType(c)], c => [Evaluate(c)]);

    /// <summary>A parsed equation: per operand the label of each dim, and the output labels. Letters are labels
    /// 0–51; the ellipsis dims become labels 52 + j (j counted from the rightmost ellipsis dim).</summary>
    private sealed record Equation(int[][] Inputs, int[] Output);

    private const int EllipsisBase = 52;

    private static int Label(char ch, Func<string, StrataException> error) => ch switch
    {
        >= 'a' and <= 'z' => ch - 'a',
        >= 'A' and <= 'Z' => 26 + ch - 'A',
        _ => throw error($"'{ch}' is not a valid einsum label (use letters)"),
    };

    private static Equation Parse(string equation, int[] ranks, Func<string, StrataException> error)
    {
        var eq = equation.Replace(" ", "", StringComparison.Ordinal);
        var parts = eq.Split("->");
        if (parts.Length > 2) throw error($"equation '{equation}' has more than one '->'");
        var terms = parts[0].Split(',');
        if (terms.Length != ranks.Length)
            throw error($"equation '{equation}' has {terms.Length} operands but the node has {ranks.Length} inputs");
        int ellipsisRank = 0;
        var inputs = new int[terms.Length][];
        for (int i = 0; i < terms.Length; i++)
        {
            var (labels, hasEllipsis) = ParseTerm(terms[i], error);
            int letters = labels.Count(l => l >= 0);
            int er = ranks[i] - letters;
            if (er < 0 || (!hasEllipsis && er != 0))
                throw error($"operand {i} has rank {ranks[i]} but term '{terms[i]}' names {letters} dims");
            ellipsisRank = Math.Max(ellipsisRank, er);
            inputs[i] = Expand(labels, er);
        }
        int[] output;
        if (parts.Length == 2)
        {
            var (labels, _) = ParseTerm(parts[1], error);
            output = Expand(labels, ellipsisRank);
            foreach (var l in output)
                if (l < EllipsisBase && !inputs.Any(t => t.Contains(l)))
                    throw error($"output label '{LabelName(l)}' does not occur in any operand");
            if (output.Distinct().Count() != output.Length) throw error($"output term '{parts[1]}' repeats a label");
        }
        else
        {
            var counts = new int[EllipsisBase];
            foreach (var t in inputs) foreach (var l in t) if (l < EllipsisBase) counts[l]++;
            var list = new List<int>();
            for (int j = ellipsisRank - 1; j >= 0; j--) list.Add(EllipsisBase + j);
            // Alphabetical: lower-case letters come after upper-case ones in ASCII.
            foreach (var l in Enumerable.Range(26, 26).Concat(Enumerable.Range(0, 26)))
                if (counts[l] == 1) list.Add(l);
            output = list.ToArray();
        }
        return new Equation(inputs, output);
    }

    /// <summary>Labels of a term, with -1 marking the ellipsis.</summary>
    private static (List<int> Labels, bool HasEllipsis) ParseTerm(string term, Func<string, StrataException> error)
    {
        var labels = new List<int>();
        bool ellipsis = false;
        for (int i = 0; i < term.Length; i++)
        {
            if (term[i] == '.')
            {
                if (ellipsis || i + 2 >= term.Length || term[i + 1] != '.' || term[i + 2] != '.')
                    throw error($"term '{term}' has a malformed or repeated ellipsis");
                ellipsis = true;
                labels.Add(-1);
                i += 2;
            }
            else labels.Add(Label(term[i], error));
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
        return r.ToArray();
    }

    private static string LabelName(int l) => l < 26 ? ((char)('a' + l)).ToString() : l < 52 ? ((char)('A' + l - 26)).ToString() : "...";

    private static TensorType? InferType(InferenceContext c)
    {
        var first = c.InputTensor(0);
        if (first is null) return null;
        var types = Enumerable.Range(0, c.InputCount).Select(c.InputTensor).ToArray();
        if (types.Any(t => t?.Shape is null)) return new TensorType(first.ElementType, null);
        var eqText = c.Node.GetString("equation", "");
        var eq = Parse(eqText, types.Select(t => t!.Shape!.Rank).ToArray(), msg => c.Error(ErrorCode.InvalidAttribute, msg));
        var dims = new Dictionary<int, Dim>();
        for (int i = 0; i < types.Length; i++)
            for (int d = 0; d < eq.Inputs[i].Length; d++)
            {
                int l = eq.Inputs[i][d];
                var dim = types[i]!.Shape![d];
                if (!dims.TryGetValue(l, out var cur) || cur.Value == 1 || (!cur.IsKnown && dim.IsKnown)) dims[l] = dim;
            }
        return new TensorType(first.ElementType, Shape.Of(eq.Output.Select(l => dims[l])));
    }

    private static Tensor Evaluate(OpContext ctx)
    {
        if (ctx.InputCount == 0) throw ctx.Error(ErrorCode.MissingInput, "Einsum needs at least one input");
        var type = ctx.Input(0).DataType;
        return type switch
        {
            DataType.Float64 => Compute<double>(ctx),
            DataType.Float32 or DataType.Float16 or DataType.BFloat16 => Compute<float>(ctx),
            DataType.Int32 => Compute<int>(ctx),
            DataType.Int64 => Compute<long>(ctx),
            DataType.UInt32 => Compute<uint>(ctx),
            DataType.UInt64 => Compute<ulong>(ctx),
            DataType.Int8 => Compute<sbyte>(ctx),
            DataType.Int16 => Compute<short>(ctx),
            DataType.UInt8 => Compute<byte>(ctx),
            DataType.UInt16 => Compute<ushort>(ctx),
            _ => throw ctx.Error(ErrorCode.UnsupportedDataType, $"Einsum does not support {type.ShortName()}"),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor Compute<T>(OpContext ctx) where T : unmanaged, INumber<T>
    {
        int count = ctx.InputCount;
        var tensors = Enumerable.Range(0, count).Select(ctx.Input).ToArray();
        var eq = Parse(ctx.String("equation", ""), tensors.Select(t => t.Rank).ToArray(), msg => ctx.Error(ErrorCode.InvalidAttribute, msg));

        // Size of every label; size-1 dims broadcast.
        var size = new Dictionary<int, int>();
        for (int i = 0; i < count; i++)
            for (int d = 0; d < eq.Inputs[i].Length; d++)
            {
                int l = eq.Inputs[i][d], s = tensors[i].Shape[d];
                if (!size.TryGetValue(l, out var cur) || cur == 1) size[l] = s;
                else if (s != cur && s != 1)
                    throw ctx.Error(ErrorCode.ShapeMismatch, $"einsum label '{LabelName(l)}' has sizes {cur} and {s}");
            }
        // Loop order: output labels first (so writes are sequential), then the summed ones.
        var loops = eq.Output.Concat(size.Keys.Where(l => !eq.Output.Contains(l)).OrderBy(l => l)).ToArray();
        int nl = loops.Length;
        var extent = loops.Select(l => size[l]).ToArray();
        // strides[i][j]: how far operand i moves when loop j advances (summed over repeated labels; 0 if broadcast).
        var strides = new int[count][];
        for (int i = 0; i < count; i++)
        {
            strides[i] = new int[nl];
            var st = ShapeMath.Strides(tensors[i].Shape);
            for (int d = 0; d < eq.Inputs[i].Length; d++)
            {
                if (tensors[i].Shape[d] == 1) continue;
                strides[i][Array.IndexOf(loops, eq.Inputs[i][d])] += st[d];
            }
        }
        var outShape = eq.Output.Select(l => size[l]).ToArray();
        var y = new T[ShapeMath.Size(outShape)];
        var data = tensors.Select(t => t is Tensor<T> same ? same.Span.ToArray() : FloatBuffers.Read<T>(t).ToArray()).ToArray();
        long total = 1;
        foreach (var e in extent) total *= e;
        if (total > 0)
        {
            int outLoops = eq.Output.Length;
            var outStrides = ShapeMath.Strides(outShape);
            var idx = new int[nl];
            var offsets = new int[count];
            int yOff = 0;
            for (long it = 0; it < total; it++)
            {
                T prod = T.One;
                for (int i = 0; i < count; i++) prod *= data[i][offsets[i]];
                y[yOff] += prod;
                for (int j = nl - 1; j >= 0; j--)
                {
                    idx[j]++;
                    for (int i = 0; i < count; i++) offsets[i] += strides[i][j];
                    if (j < outLoops) yOff += outStrides[j];
                    if (idx[j] < extent[j]) break;
                    for (int i = 0; i < count; i++) offsets[i] -= strides[i][j] * extent[j];
                    if (j < outLoops) yOff -= outStrides[j] * extent[j];
                    idx[j] = 0;
                }
            }
        }
        var type = tensors[0].DataType;
        return typeof(T) == typeof(float) || typeof(T) == typeof(double)
            ? FloatBuffers.Write(type, y, outShape)
            : new Tensor<T>(y, outShape);
    }
}
