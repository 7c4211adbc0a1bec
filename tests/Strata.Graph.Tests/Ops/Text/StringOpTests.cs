using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.Text;

public class StringOpTests
{
    private static Tensor<string> Strs(params string[] s) => T(s, s.Length);

    [Fact]
    public void ConcatBroadcasts()
    {
        var r = (Tensor<string>)Run("StringConcat", T(["a", "b", "c", "d"], 2, 2), Strs("x", "y"));
        Assert.Equal(["ax", "by", "cx", "dy"], r.ToArray());
    }

    [Fact]
    public void SplitOnADelimiterKeepsEmptyPiecesAndPads()
    {
        var outs = RunNode("StringSplit", [Strs("a,,b", "c", "")], outputs: 2, attributes: [Attribute.Of("delimiter", ",")]);
        var pieces = (Tensor<string>)outs[0]!;
        Assert.Equal([3, 3], pieces.Shape);
        Assert.Equal(["a", "", "b", "c", "", "", "", "", ""], pieces.ToArray());
        Assert.Equal([3L, 1, 1], ((Tensor<long>)outs[1]!).ToArray());
    }

    [Fact]
    public void SplitOnWhitespaceWithMaxsplit()
    {
        var outs = RunNode("StringSplit", [Strs("  the quick  brown fox ", "")], outputs: 2, attributes: [Attribute.Of("maxsplit", 2L)]);
        var pieces = (Tensor<string>)outs[0]!;
        Assert.Equal([2, 3], pieces.Shape);
        Assert.Equal(["the", "quick", "brown fox ", "", "", ""], pieces.ToArray());
        Assert.Equal([3L, 0], ((Tensor<long>)outs[1]!).ToArray());
    }

    [Fact]
    public void NormalizerDropsStopwordsThenChangesCase()
    {
        var r = (Tensor<string>)RunNode("StringNormalizer", [T(["Monday", "tuesday", "MONDAY", "x"], 1, 4)], attributes:
            [Attribute.Of("stopwords", new[] { "monday" }), Attribute.Of("case_change_action", "UPPER")])[0]!;
        Assert.Equal([1, 2], r.Shape);
        Assert.Equal(["TUESDAY", "X"], r.ToArray());

        var sensitive = (Tensor<string>)RunNode("StringNormalizer", [Strs("Monday", "monday")], attributes:
            [Attribute.Of("stopwords", new[] { "monday" }), Attribute.Of("is_case_sensitive", 1L)])[0]!;
        Assert.Equal(["Monday"], sensitive.ToArray());

        var empty = (Tensor<string>)RunNode("StringNormalizer", [Strs("monday")], attributes: [Attribute.Of("stopwords", new[] { "monday" })])[0]!;
        Assert.Equal([""], empty.ToArray());
    }

    [Fact]
    public void RegexMustMatchTheWholeString()
    {
        var r = (Tensor<bool>)RunNode("RegexFullMatch", [Strs("abc", "xabc", "abcx", "ab")], attributes: [Attribute.Of("pattern", "a.c|ab")])[0]!;
        Assert.Equal([true, false, false, true], r.ToArray());
        Assert.Equal(ErrorCode.InvalidAttribute,
            Assert.Throws<StrataException>(() => RunNode("RegexFullMatch", [Strs("a")], attributes: [Attribute.Of("pattern", "(")])).Code);
    }

    [Fact]
    public void TfIdfCountsUnigramsAndSkipBigrams()
    {
        // Pool: unigrams {2, 3}, bigrams {(2,3), (3,2)}; columns 0..3.
        Attribute[] attrs =
        [
            Attribute.Of("min_gram_length", 1L), Attribute.Of("max_gram_length", 2L), Attribute.Of("max_skip_count", 1L),
            Attribute.Of("mode", "TF"), Attribute.Of("ngram_counts", new[] { 0L, 2 }), Attribute.Of("ngram_indexes", new[] { 0L, 1, 2, 3 }),
            Attribute.Of("pool_int64s", new[] { 2L, 3, 2, 3, 3, 2 }),
        ];
        // Row 2 3 2: unigrams 2,2,3; bigrams adjacent (2,3), (3,2); skip-1 bigram (2,2) is not in the pool.
        var r = (Tensor<float>)RunNode("TfIdfVectorizer", [T([2, 3, 2, 5, 2, 9, 3], 1, 7)], attributes: attrs)[0]!;
        // Row 2 3 2 5 2 9 3: unigrams 2 x3, 3 x2; adjacent bigrams (2,3),(3,2); skip-1 bigrams (2,2),(3,5),(2,2),(5,9),(2,3) -> (2,3) again.
        Assert.Equal([1, 4], r.Shape);
        Assert.Equal([3f, 2, 2, 1], r.ToArray());

        var idf = (Tensor<float>)RunNode("TfIdfVectorizer", [T([2, 3, 2], 3)], attributes:
            [.. attrs.Where(a => a.Name != "mode"), Attribute.Of("mode", "TFIDF"), Attribute.Of("weights", new[] { 0.5f, 1, 2, 4 })])[0]!;
        Assert.Equal([1f, 1, 2, 4], idf.ToArray());
    }
}
