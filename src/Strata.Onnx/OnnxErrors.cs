using Strata.Core;

namespace Strata.Onnx;

/// <summary>Builds the <see cref="StrataException"/>s the importer throws, so messages read alike.</summary>
internal static class OnnxErrors
{
    public static StrataException Malformed(string message, string location, string? hint = null) =>
        new(ErrorCode.MalformedModel, message, hint ?? "the file is not a valid ONNX model; re-export it or check it with onnx.checker", location);

    public static StrataException BadTensor(string message, string location) =>
        new(ErrorCode.InvalidTensorData, message, "the tensor's data does not match its data type and dims; re-export the model", location);

    public static StrataException UnsupportedType(int code, string location) =>
        new(ErrorCode.UnsupportedDataType,
            $"element type {DescribeDataType(code)} is not supported",
            "Strata supports the ONNX numeric, bool, string, float8/float4 and int4/int2 types (not complex)", location);

    public static string DescribeDataType(int code) =>
        Enum.IsDefined(typeof(DataType), code) ? $"{(DataType)code} ({code})" : $"code {code}";
}
