using System.Text.RegularExpressions;
using Strata.Graph;

namespace Strata.Tile.Passes;

/// <summary>Names for values that graph passes add.</summary>
internal static class GraphNames
{
    /// <summary><paramref name="name"/>, or it with the first number appended that no value of the graph is named.</summary>
    public static string Unique(Graph.Graph graph, string name)
    {
        var taken = graph.DefinedValues().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        return FirstFree(taken, name);
    }

    /// <summary>Names <paramref name="value"/> (already in the graph) after <paramref name="from"/> with
    /// <paramref name="suffix"/> once: a name that already ends in the suffix (a value the same pass made, maybe
    /// numbered) keeps its stem, so a weight folded three times is <c>w_folded</c>, not <c>w_folded_folded_folded</c>.
    /// Call it after the value it replaces left the graph, so the name is free again.</summary>
    public static void Derive(Graph.Graph graph, Value value, string from, string suffix)
    {
        string stem = Stem(from, suffix);
        var taken = graph.DefinedValues().Where(v => !ReferenceEquals(v, value)).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        value.Name = FirstFree(taken, stem + suffix);
    }

    /// <summary><paramref name="name"/> without the <paramref name="suffix"/>es (each maybe numbered) it ends in.</summary>
    public static string Stem(string name, string suffix) => Regex.Replace(name, $"(?:{Regex.Escape(suffix)}\\d*)+$", "");

    private static string FirstFree(HashSet<string> taken, string name)
    {
        string n = name;
        for (int i = 1; taken.Contains(n); i++) n = $"{name}{i}";
        return n;
    }
}
