using System.Collections.Concurrent;

namespace Strata.Core;

/// <summary>Holds every registered extension, keyed by contract type and a string key (e.g. an op's
/// <c>domain::Name</c>). Later registrations of the same key need <c>replace: true</c>, so a plugin cannot
/// silently shadow a built-in.</summary>
public sealed class ExtensionRegistry
{
    private readonly ConcurrentDictionary<(Type Contract, string Key), (object Item, string Plugin)> _items = new();
    private readonly List<string> _plugins = [];

    public IReadOnlyList<string> Plugins => _plugins;

    public void Load(IStrataPlugin plugin)
    {
        if (plugin.ContractVersion.Major != PluginContract.Version.Major)
            throw new StrataException(ErrorCode.PluginLoadFailed,
                $"plugin '{plugin.Name}' targets contract {plugin.ContractVersion}, this Strata implements {PluginContract.Version}",
                "rebuild the plugin against this version of Strata.Core");
        lock (_plugins)
        {
            _currentPlugin = plugin.Name;
            try { plugin.Register(this); }
            finally { _currentPlugin = null; }
            _plugins.Add(plugin.Name);
        }
    }

    [ThreadStatic] private static string? _currentPlugin;

    public void Add<TContract>(string key, TContract item, bool replace = false) where TContract : class
    {
        var k = (typeof(TContract), key);
        var entry = ((object)item, _currentPlugin ?? "(direct)");
        if (replace) { _items[k] = entry; return; }
        if (!_items.TryAdd(k, entry))
            throw new StrataException(ErrorCode.DuplicateRegistration,
                $"{typeof(TContract).Name} '{key}' is already registered by '{_items[k].Plugin}'",
                "pass replace: true to override it deliberately, or choose another key");
    }

    public TContract? Find<TContract>(string key) where TContract : class =>
        _items.TryGetValue((typeof(TContract), key), out var e) ? (TContract)e.Item : null;

    public IEnumerable<KeyValuePair<string, TContract>> All<TContract>() where TContract : class =>
        _items.Where(kv => kv.Key.Contract == typeof(TContract))
            .OrderBy(kv => kv.Key.Key, StringComparer.Ordinal)
            .Select(kv => new KeyValuePair<string, TContract>(kv.Key.Key, (TContract)kv.Value.Item));

    /// <summary>The plugin that registered a key, for diagnostics.</summary>
    public string? RegisteredBy<TContract>(string key) where TContract : class =>
        _items.TryGetValue((typeof(TContract), key), out var e) ? e.Plugin : null;
}
