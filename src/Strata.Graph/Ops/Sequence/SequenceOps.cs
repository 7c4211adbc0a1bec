using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the sequence and optional ops.</summary>
internal static class SequenceOps
{
    public static void Register(ExtensionRegistry registry)
    {
        foreach (var op in SequenceBasicOps.Schemas()) registry.AddOp(op);
        registry.AddOp(ConcatFromSequenceOp.Schema);
        registry.AddOp(SplitToSequenceOp.Schema);
        foreach (var op in OptionalOps.Schemas()) registry.AddOp(op);
    }
}
