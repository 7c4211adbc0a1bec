using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the string ops: StringConcat, StringNormalizer, StringSplit, RegexFullMatch, TfIdfVectorizer.</summary>
internal static class TextOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(StringConcatOp.Schema);
        registry.AddOp(StringNormalizerOp.Schema);
        registry.AddOp(StringSplitOp.Schema);
        registry.AddOp(RegexFullMatchOp.Schema);
        registry.AddOp(TfIdfVectorizerOp.Schema);
    }
}
