using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>StringSplit: splits each string on <c>delimiter</c> (consecutive delimiters give empty pieces) or, when
/// the delimiter is absent or empty, on runs of whitespace (leading/trailing whitespace ignored), at most
/// <c>maxsplit</c> times. Output 0 has the input's shape plus one axis as long as the most pieces, padded with "";
/// output 1 holds each string's piece count.</summary>
internal static class StringSplitOp
{
    public static OpSchema Schema { get; } = new("", "StringSplit", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var shape = c.InputTensor(0)?.Shape;
        return
        [
            new TensorType(DataType.String, shape is null ? null : Shape.Of(shape.Dims.Add(Dim.Unknown))),
            new TensorType(DataType.Int64, shape),
        ];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input<string>(0);
        string delimiter = c.String("delimiter", "");
        long maxSplit = c.HasAttr("maxsplit") ? c.Int("maxsplit", 0) : long.MaxValue;
        if (maxSplit < 0) maxSplit = long.MaxValue;
        var pieces = new List<string>[x.Length];
        int widest = 0;
        for (int i = 0; i < pieces.Length; i++)
        {
            pieces[i] = delimiter.Length == 0 ? SplitWhitespace(x[i], maxSplit) : SplitOn(x[i], delimiter, maxSplit);
            widest = Math.Max(widest, pieces[i].Count);
        }
        var substrings = new Tensor<string>(TensorPieces.InsertAxis(x.Shape, x.Rank, widest));
        var lengths = new Tensor<long>(x.Shape);
        for (int i = 0; i < pieces.Length; i++)
        {
            lengths[i] = pieces[i].Count;
            for (int j = 0; j < pieces[i].Count; j++) substrings[i * widest + j] = pieces[i][j];
        }
        return [substrings, lengths];
    }

    private static List<string> SplitOn(string s, string delimiter, long maxSplit)
    {
        var result = new List<string>();
        int start = 0;
        while (result.Count < maxSplit)
        {
            int at = s.IndexOf(delimiter, start, StringComparison.Ordinal);
            if (at < 0) break;
            result.Add(s[start..at]);
            start = at + delimiter.Length;
        }
        result.Add(s[start..]);
        return result;
    }

    private static List<string> SplitWhitespace(string s, long maxSplit)
    {
        var result = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i == s.Length) break;
            if (result.Count == maxSplit)
            {
                result.Add(s[i..]);
                break;
            }
            int start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
            result.Add(s[start..i]);
        }
        return result;
    }
}
