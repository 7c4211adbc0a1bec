namespace Strata.Core;

/// <summary>The plugin contract. Built-in ops, passes and (later) lowerings, backends and strategies register
/// through it exactly as outside plugins do.</summary>
public interface IStrataPlugin
{
    /// <summary>A stable name, e.g. <c>strata.builtin.ops</c>.</summary>
    string Name { get; }

    /// <summary>The contract version this plugin was built against; must equal <see cref="PluginContract.Version"/>'s major.</summary>
    Version ContractVersion { get; }

    void Register(ExtensionRegistry registry);
}

public static class PluginContract
{
    /// <summary>Bumped on breaking changes to any registered contract.</summary>
    public static readonly Version Version = new(1, 0);
}
