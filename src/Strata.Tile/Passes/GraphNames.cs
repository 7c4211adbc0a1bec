namespace Strata.Tile.Passes;

/// <summary>Names for values that graph passes add.</summary>
internal static class GraphNames
{
    /// <summary><paramref name="name"/>, or it with the first number appended that no value of the graph is named.</summary>
    public static string Unique(Graph.Graph graph, string name)
    {
        var taken = graph.DefinedValues().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        string n = name;
        for (int i = 1; taken.Contains(n); i++) n = $"{name}{i}";
        return n;
    }
}
