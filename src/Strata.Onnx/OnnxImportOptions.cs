using Strata.Graph;

namespace Strata.Onnx;

/// <summary>Options for <see cref="OnnxImporter"/>.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>Defaults: lenient about unknown ops, runs type inference.</summary>
    public static readonly OnnxImportOptions Default = new();

    /// <summary>When true, every op must exist in <see cref="Registry"/>; otherwise import throws
    /// <c>UnsupportedOp</c>. When false, unknown ops are imported and reported when the graph runs.</summary>
    public bool Strict { get; init; }

    /// <summary>The ops used for <see cref="Strict"/> checks and type inference (default: <see cref="OpRegistry.Default"/>).</summary>
    public OpRegistry? Registry { get; init; }

    /// <summary>Run <see cref="TypeInference"/> after import (default true).</summary>
    public bool InferTypes { get; init; } = true;
}
