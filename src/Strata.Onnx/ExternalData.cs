using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Reads tensor bytes stored outside the model file (<c>external_data</c>: location, offset, length),
/// relative to the model's folder.</summary>
internal static class ExternalData
{
    public static byte[] Read(TensorProto proto, string? baseDirectory, string location)
    {
        string? file = null;
        long offset = 0, length = -1;
        foreach (var kv in proto.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": file = kv.Value; break;
                case "offset": offset = ParseLong(kv.Value, "offset", location); break;
                case "length": length = ParseLong(kv.Value, "length", location); break;
            }
        }
        if (string.IsNullOrEmpty(file))
            throw OnnxErrors.Malformed("tensor uses external data but gives no 'location'", location);
        if (baseDirectory is null)
            throw new StrataException(ErrorCode.MissingExternalData,
                $"tensor refers to external data file '{file}' but the model was not loaded from a file",
                "load the model with a path so external data can be found next to it", location);
        string path = Path.GetFullPath(Path.Combine(baseDirectory, file));
        if (!File.Exists(path))
            throw new StrataException(ErrorCode.MissingExternalData, $"external data file '{path}' does not exist",
                "copy the model's external data files next to the model file", location);
        using var stream = File.OpenRead(path);
        if (offset < 0 || offset > stream.Length)
            throw OnnxErrors.BadTensor($"external data offset {offset} is outside file '{path}' ({stream.Length} bytes)", location);
        if (length < 0) length = stream.Length - offset;
        if (offset + length > stream.Length || length > Array.MaxLength)
            throw OnnxErrors.BadTensor($"external data range [{offset}, {offset + length}) is outside file '{path}' ({stream.Length} bytes)", location);
        var bytes = new byte[length];
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long ParseLong(string s, string key, string location) =>
        long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw OnnxErrors.Malformed($"external data '{key}' is '{s}', not an integer", location);
}
