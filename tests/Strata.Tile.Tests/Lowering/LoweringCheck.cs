using Strata.Conformance;
using Strata.Core;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Asserts that a one-node graph lowers, and that its kernel (run by the Tile interpreter) matches the
/// reference interpreter.</summary>
internal static class LoweringCheck
{
    public static TileKernel Lowers(string op, Tensor?[] inputs, Graph.Attribute[]? attributes = null, int opset = Graph.OpsetDefaults.Latest,
        int outputs = 1, int[]? constants = null, ValueComparer? comparer = null)
    {
        var (g, node, feeds) = NodeHarness.OneNode(op, inputs, outputs, attributes, opset, constants);
        var outcome = NodeHarness.Check(g, node, feeds, null, comparer);
        string what = $"{op} (opset {opset}) on {string.Join(", ", inputs.Select(t => t?.ToString() ?? "-"))}" +
                      $" {{{string.Join(", ", (attributes ?? []).Select(a => $"{a.Name}={Show(a.Value)}"))}}}";
        Assert.True(outcome.Lowered, $"{what} was not lowered: {outcome.Failure}");
        Assert.True(outcome.Passed, $"{what}: {outcome.Failure}\n{(outcome.Kernel is { } k ? TilePrinter.Print(k) : "")}");
        return outcome.Kernel!;
    }

    /// <summary>Asserts that the node falls back (its lowering declines), with a reason containing <paramref name="why"/>.</summary>
    public static void FallsBack(string op, Tensor?[] inputs, Graph.Attribute[]? attributes = null, int opset = Graph.OpsetDefaults.Latest,
        int outputs = 1, int[]? constants = null, string why = "")
    {
        var (g, node, feeds) = NodeHarness.OneNode(op, inputs, outputs, attributes, opset, constants);
        var outcome = NodeHarness.Check(g, node, feeds);
        Assert.False(outcome.Lowered, $"{op} was lowered but should fall back");
        Assert.Contains(why, outcome.Failure);
    }

    private static string Show(object v) => v switch
    {
        long[] l => "[" + string.Join(",", l) + "]",
        float[] f => "[" + string.Join(",", f) + "]",
        _ => v.ToString() ?? "",
    };

    public static Graph.Attribute A(string name, long v) => Graph.Attribute.Of(name, v);
    public static Graph.Attribute A(string name, float v) => Graph.Attribute.Of(name, v);
    public static Graph.Attribute A(string name, string v) => Graph.Attribute.Of(name, v);
    public static Graph.Attribute A(string name, long[] v) => Graph.Attribute.Of(name, v);
    public static Graph.Attribute A(string name, float[] v) => Graph.Attribute.Of(name, v);
}
