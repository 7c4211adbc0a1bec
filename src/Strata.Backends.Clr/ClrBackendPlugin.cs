using Strata.Core;
using Strata.Machine.Backend;

namespace Strata.Backends.Clr;

/// <summary>Registers <see cref="ClrBackend"/> as the <see cref="INativeBackend"/> named <c>clr</c>.</summary>
public sealed class ClrBackendPlugin : IStrataPlugin
{
    public string Name => "strata.builtin.clr-backend";
    public Version ContractVersion => PluginContract.Version;

    public void Register(ExtensionRegistry registry) => registry.Add<INativeBackend>("clr", new ClrBackend());
}
