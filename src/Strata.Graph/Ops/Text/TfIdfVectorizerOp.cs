using System.Text;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>TfIdfVectorizer: counts, per row of a [C] or [N, C] int32/int64/string tensor, the n-grams of the pool
/// (<c>pool_int64s</c> or <c>pool_strings</c>; <c>ngram_counts[k]</c> is where the (k+1)-grams start) whose length
/// is in [min_gram_length, max_gram_length]. An n-gram's items may be up to <c>max_skip_count</c> positions apart
/// (the same gap between all items); unigrams are counted once per position. Counts land at
/// <c>ngram_indexes[pool n-gram number]</c> and are weighted per <c>mode</c>: TF (counts), IDF (weight where
/// present), TFIDF (count × weight); weights default to 1. Output is float32, [max index + 1] or [N, max index + 1].</summary>
internal static class TfIdfVectorizerOp
{
    public static OpSchema Schema { get; } = new("", "TfIdfVectorizer", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var indexes = c.Node.GetInts("ngram_indexes");
        Dim width = indexes is { Length: > 0 } ? Dim.Of(indexes.Max() + 1) : Dim.Unknown;
        var shape = c.InputTensor(0)?.Shape;
        if (shape is null) return [new TensorType(DataType.Float32, null)];
        return [new TensorType(DataType.Float32, shape.Rank == 2 ? Shape.Of([shape[0], width]) : Shape.Of([width]))];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        int minGram = (int)c.Int("min_gram_length", 1), maxGram = (int)c.Int("max_gram_length", 1);
        int maxSkip = (int)c.Int("max_skip_count", 0);
        string mode = c.String("mode", "TF");
        if (mode is not ("TF" or "IDF" or "TFIDF")) throw c.Error(ErrorCode.InvalidAttribute, $"unknown mode '{mode}'", "use TF, IDF or TFIDF");
        var ngramCounts = c.Ints("ngram_counts") ?? throw c.Error(ErrorCode.InvalidAttribute, "ngram_counts is required");
        var ngramIndexes = c.Ints("ngram_indexes") ?? throw c.Error(ErrorCode.InvalidAttribute, "ngram_indexes is required");
        var weights = c.Floats("weights");
        string[] pool = c.Strings("pool_strings") ?? Array.ConvertAll(c.Ints("pool_int64s") ?? [], v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int width = ngramIndexes.Length == 0 ? 0 : (int)ngramIndexes.Max() + 1;

        // n-gram (as a key) -> output column, for the n-gram lengths in range.
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        int ngramNumber = 0;
        for (int k = 0; k < ngramCounts.Length; k++)
        {
            int n = k + 1;
            int start = (int)ngramCounts[k];
            int end = k + 1 < ngramCounts.Length ? (int)ngramCounts[k + 1] : pool.Length;
            for (int p = start; p + n <= end; p += n, ngramNumber++)
            {
                if (n < minGram || n > maxGram) continue;
                if (ngramNumber >= ngramIndexes.Length)
                    throw c.Error(ErrorCode.InvalidAttribute, "ngram_indexes has fewer entries than the pool has n-grams");
                columns.TryAdd(Key(pool.AsSpan(p, n)), (int)ngramIndexes[ngramNumber]);
            }
        }

        string[] tokens = x switch
        {
            Tensor<string> s => s.ToArray(),
            Tensor<int> or Tensor<long> => Array.ConvertAll(TensorConvert.ToInt64s(x), v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw c.Error(ErrorCode.TypeMismatch, $"TfIdfVectorizer takes int32, int64 or string input, got {x.DataType.ShortName()}"),
        };
        if (x.Rank > 2) throw c.Error(ErrorCode.InvalidShape, $"TfIdfVectorizer takes a [C] or [N, C] tensor, got {ShapeMath.Format(x.Shape)}");
        int rows = x.Rank == 2 ? x.Shape[0] : 1;
        int rowLength = x.Rank == 0 ? 1 : x.Shape[^1];
        var counts = new float[rows * width];
        var gram = new string[Math.Max(maxGram, 1)];
        for (int row = 0; row < rows; row++)
        {
            var items = tokens.AsSpan(row * rowLength, rowLength);
            for (int skip = 0; skip <= maxSkip; skip++)
            {
                int step = skip + 1;
                for (int start = 0; start < items.Length; start++)
                    for (int n = Math.Max(minGram, skip == 0 ? 1 : 2); n <= maxGram; n++)
                    {
                        int last = start + step * (n - 1);
                        if (last >= items.Length) break;
                        for (int i = 0; i < n; i++) gram[i] = items[start + i * step];
                        if (columns.TryGetValue(Key(gram.AsSpan(0, n)), out int column)) counts[row * width + column]++;
                    }
            }
        }
        for (int i = 0; i < counts.Length; i++)
        {
            float w = weights is { Length: > 0 } ? weights[i % width] : 1f;
            counts[i] = mode switch
            {
                "TF" => counts[i],
                "IDF" => counts[i] > 0 ? w : 0,
                _ => counts[i] * w,
            };
        }
        int[] shape = x.Rank == 2 ? [rows, width] : [width];
        return [new Tensor<float>(counts, shape)];
    }

    /// <summary>An unambiguous dictionary key for a sequence of tokens (each length-prefixed).</summary>
    private static string Key(ReadOnlySpan<string> items)
    {
        var b = new StringBuilder();
        foreach (var s in items) b.Append(s.Length).Append(':').Append(s);
        return b.ToString();
    }
}
