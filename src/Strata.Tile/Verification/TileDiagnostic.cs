using Strata.Core;
using Strata.Graph.Verification;

namespace Strata.Tile.Verification;

/// <summary>One problem found by <see cref="TileVerifier"/>: severity, code, what is wrong, and where
/// (<c>tile kernel @mlp.k0: %out[i, j]</c>).</summary>
public sealed record TileDiagnostic(DiagnosticSeverity Severity, ErrorCode Code, string Message, string Location)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>error E3002: tile kernel @k: %out[i]: load %x[add(i, 1)] ...</c></summary>
    public override string ToString() =>
        $"{(IsError ? "error" : "warning")} E{(int)Code:D4}: {Location}: {Message}";
}
