using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Cast (opsets 1–25) and CastLike (15–25): convert every element to the type named by <c>to</c>, or to
/// the element type of the second input. <c>saturate</c> (19+) and <c>round_mode</c> (24+) only affect float8
/// targets; before they existed the behaviour was that of their defaults.</summary>
internal static class CastOp
{
    public static OpSchema Cast() => new("", "Cast",
        c => [c.InputTensor(0) is { } x ? new TensorType(TargetType(c.Node, c.Error), x.Shape) : null],
        c => [CastConversion.Convert(c.Input(0), TargetType(c.Node, c.Error), Options(c))]);

    public static OpSchema CastLike() => new("", "CastLike",
        c => [c.InputTensor(0) is { } x && c.InputElementType(1) is { } to ? new TensorType(to, x.Shape) : null],
        c => [CastConversion.Convert(c.Input(0), c.Input(1).DataType, Options(c))]);

    private static DataType TargetType(Node node, Func<ErrorCode, string, string?, StrataException> error)
    {
        if (node.Attr("to") is null)
            throw error(ErrorCode.InvalidAttribute, "Cast needs the 'to' attribute", "set 'to' to a TensorProto data type code");
        var to = (DataType)node.GetInt("to", 0);
        if (to.ClrType() is null)
            throw error(ErrorCode.UnsupportedDataType, $"Cast to data type {(int)to} is not supported",
                "cast to one of the ONNX element types other than complex");
        return to;
    }

    private static CastOptions Options(OpContext c) =>
        new(c.Int("saturate", 1) != 0, LowPrecisionCodec.ParseE8M0Rounding(c.String("round_mode", "up")));
}
