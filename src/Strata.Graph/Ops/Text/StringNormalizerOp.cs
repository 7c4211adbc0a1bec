using System.Globalization;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>StringNormalizer: drops the elements of a [C] or [1, C] string tensor that equal a stopword (compared
/// case-sensitively or not, per <c>is_case_sensitive</c>), then changes case per <c>case_change_action</c>
/// (LOWER, UPPER, NONE). If nothing is left the output holds one empty string. Case mapping uses the invariant
/// culture whatever <c>locale</c> says.</summary>
internal static class StringNormalizerOp
{
    public static OpSchema Schema { get; } = new("", "StringNormalizer", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        int rank = c.InputTensor(0)?.Shape?.Rank ?? -1;
        if (rank == 2) return [new TensorType(DataType.String, Shape.Of([Dim.Of(1), Dim.Unknown]))];
        if (rank == 1) return [new TensorType(DataType.String, Shape.Of([Dim.Unknown]))];
        return [new TensorType(DataType.String, null)];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input<string>(0);
        if (!(x.Rank == 1 || x.Rank == 2 && x.Shape[0] == 1))
            throw c.Error(ErrorCode.InvalidShape, $"StringNormalizer takes a [C] or [1, C] tensor, got {ShapeMath.Format(x.Shape)}");
        bool caseSensitive = c.Int("is_case_sensitive", 0) != 0;
        string action = c.String("case_change_action", "NONE");
        Func<string, string> change = action switch
        {
            "LOWER" => s => s.ToLowerInvariant(),
            "UPPER" => s => s.ToUpperInvariant(),
            "NONE" => s => s,
            _ => throw c.Error(ErrorCode.InvalidAttribute, $"unknown case_change_action '{action}'", "use LOWER, UPPER or NONE"),
        };
        var stopwords = new HashSet<string>(c.Strings("stopwords") ?? [],
            caseSensitive ? StringComparer.Ordinal : StringComparer.InvariantCultureIgnoreCase);
        var kept = new List<string>(x.Length);
        foreach (var s in x.Span)
            if (!stopwords.Contains(s)) kept.Add(change(s));
        if (kept.Count == 0) kept.Add("");
        int[] shape = x.Rank == 1 ? [kept.Count] : [1, kept.Count];
        return [new Tensor<string>(kept.ToArray(), shape)];
    }
}
