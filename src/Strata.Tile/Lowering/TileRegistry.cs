using Strata.Core;
using Strata.Graph;

namespace Strata.Tile;

/// <summary>The built-in ops and Tile lowerings in one registry (what the compiler uses by default).</summary>
public static class TileRegistry
{
    private static readonly Lazy<ExtensionRegistry> DefaultInstance = new(() =>
    {
        var r = new ExtensionRegistry();
        r.Load(new BuiltinOpsPlugin());
        r.Load(new BuiltinTileLoweringsPlugin());
        return r;
    });

    public static ExtensionRegistry Default => DefaultInstance.Value;

    public static ITileLowering? FindLowering(this ExtensionRegistry registry, Node node) => registry.Find<ITileLowering>(node.OpKey);

    public static void AddLowering(this ExtensionRegistry registry, string domain, string opType, ITileLowering lowering, bool replace = false) =>
        registry.Add(OpKeys.Of(Node.NormalizeDomain(domain), opType), lowering, replace);
}
