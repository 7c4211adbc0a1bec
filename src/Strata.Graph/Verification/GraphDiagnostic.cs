using Strata.Core;

namespace Strata.Graph.Verification;

public enum DiagnosticSeverity
{
    /// <summary>The graph is malformed: it cannot be interpreted or lowered as it is.</summary>
    Error,

    /// <summary>Worth knowing but not malformed, e.g. an op this build has no definition for (unsupported
    /// ops are reported as errors later, by whatever needs to run them).</summary>
    Warning,
}

/// <summary>One problem found by <see cref="GraphVerifier"/>: severity, code, what is wrong, and where
/// (<c>graph @main: node 'y' (Relu)</c>, nested graphs joined by <c>: </c>).</summary>
public sealed record GraphDiagnostic(DiagnosticSeverity Severity, ErrorCode Code, string Message, string Location)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>error E2006: graph @main: node 'y' (Relu): value %x is not defined</c>.</summary>
    public override string ToString() =>
        $"{(IsError ? "error" : "warning")} E{(int)Code:D4}: {Location}: {Message}";
}
