namespace Strata.Graph.Text;

public enum TokenKind
{
    EndOfInput,

    /// <summary>A bare identifier: <c>MatMul</c>, <c>f32</c>, <c>com.microsoft</c>, <c>graph</c>, <c>inf</c>.</summary>
    Identifier,

    /// <summary><c>%name</c> or <c>%"quoted"</c>; <see cref="Token.Text"/> is the name without the sigil.</summary>
    ValueName,

    /// <summary><c>@name</c> or <c>@"quoted"</c>; <see cref="Token.Text"/> is the name without the sigil.</summary>
    GraphName,

    /// <summary>A quoted string; <see cref="Token.Text"/> is the unescaped content.</summary>
    String,

    /// <summary>An integer, a decimal float, a hex literal (<c>0x7FC00000</c>), or <c>-inf</c>.</summary>
    Number,

    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Less,
    Greater,
    Comma,
    Equals,
    Colon,
    DoubleColon,
    Arrow,
    Question,
    Star,

    /// <summary><c>_</c>: an omitted optional input or output.</summary>
    Underscore,
}

/// <summary>One token of the text form with its 1-based position.</summary>
public readonly record struct Token(TokenKind Kind, string Text, int Line, int Column)
{
    public string Location => $"line {Line}, col {Column}";

    /// <summary>For error messages: the token as written, roughly.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfInput => "end of input",
        TokenKind.ValueName => $"'%{Text}'",
        TokenKind.GraphName => $"'@{Text}'",
        TokenKind.String => $"string {TextSyntax.Quote(Text)}",
        _ => $"'{Text}'",
    };
}
