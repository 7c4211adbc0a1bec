using Strata.Graph;
using Strata.Tile.Lowerings;

namespace Strata.Tile.Fusion;

/// <summary>A Concat whose output is its inputs laid end to end (every axis before the concat axis has extent 1: an
/// NCHW channel concat at batch 1), so a runtime can place each input at its offset in the output's buffer and skip the
/// copy: the producers write straight into the concat (densenet's growing feature maps, squeezenet's fire modules,
/// inception's branches). The fusion pass keeps such a Concat in a kernel of its own (see
/// <see cref="FusionOptions.InPlaceConcats"/>) so that its readers do not re-copy it; the runtime decides per program
/// whether the inputs can really be placed there (each value can sit at one place only) and otherwise runs the kernel.</summary>
public static class InPlaceConcat
{
    /// <summary>True when <paramref name="node"/> is a default-domain Concat with static shapes whose inputs are laid
    /// end to end in its output, each a distinct value computed per run (not a constant or graph input) and neither
    /// they nor the output a graph output (those live in tensors of their own).</summary>
    public static bool IsCandidate(Node node, Func<Value, bool> isGraphInput, Func<Value, bool> isGraphOutput)
    {
        if (node.OpType != "Concat" || node.Domain.Length != 0 || node.Inputs.Length == 0 || node.Outputs.Length != 1) return false;
        if (node.Outputs[0] is not { } output || isGraphOutput(output) || Dims(output) is not { } dims) return false;
        if (Lowering.Axis(node.GetInt("axis", 0), dims.Length) is not { } axis) return false;
        for (int d = 0; d < axis; d++) if (dims[d] != 1) return false;
        var seen = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        foreach (var v in node.Inputs)
        {
            if (v is null || v.Constant is not null || isGraphInput(v) || isGraphOutput(v) || !seen.Add(v)) return false;
            if (Dims(v) is null || v.TensorType!.ElementType != output.TensorType!.ElementType) return false;
        }
        return true;
    }

    private static long[]? Dims(Value v) =>
        v.TensorType is { Shape: { IsFullyKnown: true } s } ? [.. s.Dims.Select(d => d.Value!.Value)] : null;
}
