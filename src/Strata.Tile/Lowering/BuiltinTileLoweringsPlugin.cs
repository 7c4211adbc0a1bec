using Strata.Core;

namespace Strata.Tile;

/// <summary>Registers the built-in Graph→Tile lowerings (contract <see cref="ITileLowering"/>, key = op key), through
/// the same plugin contract outside plugins use.</summary>
public sealed class BuiltinTileLoweringsPlugin : IStrataPlugin
{
    public string Name => "strata.builtin.tile-lowerings";
    public Version ContractVersion => PluginContract.Version;

    public void Register(ExtensionRegistry registry)
    {
        Lowerings.PointwiseLowerings.Register(registry);
        Lowerings.ViewLowerings.Register(registry);
        Lowerings.ComputeLowerings.Register(registry);
    }
}
