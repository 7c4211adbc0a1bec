using Strata.Core;
using Strata.Graph.Verification;

namespace Strata.Machine.Verification;

/// <summary>One problem found by <see cref="MachineVerifier"/>: severity, code, what is wrong, and where
/// (<c>machine kernel @k, stmt 7: %a = add %x, %y : f32</c> — statements are numbered from 1 in text order,
/// the statements of loop and if bodies included; the text is the statement's first printed line).</summary>
public sealed record MachineDiagnostic(DiagnosticSeverity Severity, ErrorCode Code, string Message, string Location)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>error E2002: machine kernel @k, stmt 3: %a = add %x, %y : f32: operands of add have different types</c>.</summary>
    public override string ToString() => $"{(IsError ? "error" : "warning")} E{(int)Code:D4}: {Location}: {Message}";
}
