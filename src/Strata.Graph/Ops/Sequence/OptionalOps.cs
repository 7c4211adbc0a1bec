using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Optional, OptionalHasElement and OptionalGetElement. Since opset 18 the last two also accept plain
/// tensors and sequences (which always "have" their element); we accept them at every opset, as Loop bodies
/// whose carried value starts optional and becomes a sequence rely on it.</summary>
internal static class OptionalOps
{
    public static IEnumerable<OpSchema> Schemas()
    {
        yield return new("", "Optional",
            c => [c.HasInput(0) ? (c.InputTypes[0] is { } t ? new OptionalType(t) : null)
                : TypeAttr(c.Node) is { } e ? new OptionalType(e) : null],
            c =>
            {
                if (c.HasInput(0)) return [new OptionalValue(TypeUnion.ItemType(c.Inputs[0]!), c.Inputs[0])];
                var type = TypeAttr(c.Node)
                    ?? throw c.Error(ErrorCode.InvalidAttribute, "an Optional without input needs the 'type' attribute",
                        "give the element type of the empty optional in 'type'");
                return [new OptionalValue(type, null)];
            });

        yield return new("", "OptionalHasElement",
            c => [new TensorType(DataType.Bool, Shape.Scalar)],
            c => [Tensor<bool>.Scalar(c.HasInput(0) && (c.Inputs[0] is not OptionalValue o || o.HasValue))]);

        yield return new("", "OptionalGetElement",
            c => [c.InputTypes.Count > 0 && c.InputTypes[0] is OptionalType o ? o.ElementType : Infer.SameAs(c, 0)],
            c => c.Inputs.Count > 0 && c.Inputs[0] is OptionalValue o
                ? [o.Value ?? throw c.Error(ErrorCode.EvaluationFailed, "the optional input is empty", "check OptionalHasElement before OptionalGetElement")]
                : [c.HasInput(0) ? c.Inputs[0] : throw c.Error(ErrorCode.MissingInput, "OptionalGetElement needs an input")]);
    }

    private static Core.ValueType? TypeAttr(Node node) => node.Attr("type") is { Kind: AttributeKind.Type } a ? (Core.ValueType)a.Value : null;
}
