using Strata.Core;

namespace Strata.Cli;

/// <summary>Loads a model file for the CLI, turning a missing file into a clear error.</summary>
public static class ModelLoader
{
    public static Graph.Graph Load(string path)
    {
        if (!File.Exists(path))
            throw new StrataException(ErrorCode.FileNotFound, $"model file '{path}' does not exist", "check the path");
        return Onnx.OnnxImporter.Load(path);
    }
}
