using Strata.Core;

namespace Strata.Graph;

/// <summary>Looks up <see cref="IOpDefinition"/>s in an <see cref="ExtensionRegistry"/>.</summary>
public sealed class OpRegistry(ExtensionRegistry extensions)
{
    public ExtensionRegistry Extensions { get; } = extensions;

    private static readonly Lazy<OpRegistry> DefaultInstance = new(() =>
    {
        var ext = new ExtensionRegistry();
        ext.Load(new BuiltinOpsPlugin());
        return new OpRegistry(ext);
    });

    /// <summary>A registry holding the built-in ops.</summary>
    public static OpRegistry Default => DefaultInstance.Value;

    public IOpDefinition? Find(string domain, string opType) => Extensions.Find<IOpDefinition>(OpKeys.Of(Node.NormalizeDomain(domain), opType));

    public IOpDefinition Get(Node node) => Find(node.Domain, node.OpType)
        ?? throw new StrataException(ErrorCode.UnsupportedOp,
            $"operator '{node.OpKey}' is not supported",
            "use a supported op (strata ops lists them) or register a plugin that defines it",
            node.Describe());

    public IEnumerable<IOpDefinition> All => Extensions.All<IOpDefinition>().Select(kv => kv.Value);
}

public static class ExtensionRegistryOpExtensions
{
    public static void AddOp(this ExtensionRegistry registry, IOpDefinition op, bool replace = false) =>
        registry.Add(OpKeys.Of(op.Domain, op.Name), op, replace);
}
