using Strata.Core;

namespace Strata.Bench.Engines;

/// <summary>The Strata engines <c>--strata</c> can pick: <c>native</c> (the runtime's InferenceSession, the default)
/// and <c>reference</c> (the Graph interpreter, to test the harness).</summary>
public static class StrataEngines
{
    public static readonly string[] Names = ["native", "reference"];

    /// <param name="spinAfterRun">Whether the native engine's idle workers keep spinning after a run (as ORT's do
    /// with <see cref="OrtSpinning.Always"/>).</param>
    public static IBenchEngine Create(string name, bool spinAfterRun = false) => name switch
    {
        "native" => new StrataEngine(spinAfterRun),
        "reference" => new ReferenceEngine(),
        _ => throw new StrataException(ErrorCode.InvalidArgument, $"unknown Strata engine '{name}'",
            $"use one of: {string.Join(", ", Names)}"),
    };
}
