namespace Strata.Core;

/// <summary>The one exception type Strata throws for bad input or unsupported cases: a code, the place it is
/// about (level, op or value), what went wrong, and what the user can do about it.</summary>
public sealed class StrataException : Exception
{
    public StrataException(ErrorCode code, string message, string? hint = null, string? location = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Hint = hint;
        Location = location;
    }

    public ErrorCode Code { get; }

    /// <summary>What to do about it.</summary>
    public string? Hint { get; }

    /// <summary>Where: e.g. <c>graph node 'conv1' (Conv)</c> or <c>model.onnx</c>.</summary>
    public string? Location { get; }

    public string CodeText => $"E{(int)Code:D4}";

    /// <summary>Returns a copy of this error with a location, unless it already has one.</summary>
    public StrataException WithLocation(string location) =>
        Location is not null ? this : new StrataException(Code, Message, Hint, location, InnerException ?? this);

    /// <summary>One line: <c>error E2003: [location] message (hint)</c>.</summary>
    public string ToDiagnosticString() =>
        $"error {CodeText}: {(Location is null ? "" : Location + ": ")}{Message}{(Hint is null ? "" : " — " + Hint)}";

    public override string ToString() => ToDiagnosticString();
}
