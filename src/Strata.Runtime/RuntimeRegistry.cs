using Strata.Backends.Clr;
using Strata.Core;
using Strata.Graph;
using Strata.Machine.Backend;
using Strata.Tile;

namespace Strata.Runtime;

/// <summary>The registry a session uses by default: the built-in ops, Tile lowerings and native backends, all loaded
/// as plugins (as an outside plugin would be).</summary>
public static class RuntimeRegistry
{
    private static readonly Lazy<ExtensionRegistry> DefaultInstance = new(() =>
    {
        var r = new ExtensionRegistry();
        r.Load(new BuiltinOpsPlugin());
        r.Load(new BuiltinTileLoweringsPlugin());
        foreach (var backend in BuiltinBackends()) r.Load(backend);
        return r;
    });

    public static ExtensionRegistry Default => DefaultInstance.Value;

    /// <summary>The native backend registered as <paramref name="name"/>, or null.</summary>
    public static INativeBackend? FindBackend(this ExtensionRegistry registry, string name) => registry.Find<INativeBackend>(name);

    private static IEnumerable<IStrataPlugin> BuiltinBackends() => [new ClrBackendPlugin()];
}
