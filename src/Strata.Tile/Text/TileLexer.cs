using System.Globalization;
using System.Text;
using Strata.Core;

namespace Strata.Tile.Text;

public enum TileTokenKind
{
    EndOfInput,
    Identifier,   // m, sum, tile.kernel, f32
    Number,       // 3, -1, 1.5, 1E-07
    String,       // "quoted name"
    BufferName,   // %x, %"a b"
    KernelName,   // @mlp.k0
    LParen, RParen, LBrace, RBrace, LBracket, RBracket, Less, Greater, Comma, Equals, Colon, Arrow,
    Word,         // a raw knob or config word (only on request: ReadWord)
}

public readonly record struct TileToken(TileTokenKind Kind, string Text, int Line, int Col, int Offset)
{
    public string Location => $"line {Line}, col {Col}";

    public string Describe() => Kind switch
    {
        TileTokenKind.EndOfInput => "the end of the text",
        TileTokenKind.BufferName => $"'%{Text}'",
        TileTokenKind.KernelName => $"'@{Text}'",
        TileTokenKind.String => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

/// <summary>Splits Tile text into tokens on demand. <c>#</c> starts a comment to the end of the line. Knob lines
/// read raw words (<see cref="ReadWord"/>: <c>4x16</c>, <c>m-n-k</c>, <c>m*n</c>) and their trailing comment
/// (<see cref="ReadLineComment"/>). Errors are <see cref="StrataException"/>s with <see cref="ErrorCode.ParseError"/>
/// and the location <c>line L, col C</c>.</summary>
public sealed class TileLexer(string text)
{
    private readonly string _text = text;
    private int _pos;
    private int _line = 1;
    private int _lineStart;
    private TileToken? _peeked;
    private (int Pos, int Line, int LineStart) _beforePeek;

    public TileToken Peek()
    {
        if (_peeked is { } t) return t;
        _beforePeek = (_pos, _line, _lineStart);
        t = Lex();
        _peeked = t;
        return t;
    }

    public TileToken Next()
    {
        var t = Peek();
        _peeked = null;
        return t;
    }

    /// <summary>The next character after whitespace and comments ('\0' at the end), without lexing a token:
    /// for knob lines, whose words need not be tokens.</summary>
    public char PeekChar()
    {
        Unpeek();
        SkipTrivia(stopAtComment: false);
        return _pos < _text.Length ? _text[_pos] : '\0';
    }

    /// <summary>Reads a raw word: everything up to whitespace, a comma, a brace, '=' or '#'.</summary>
    public TileToken ReadWord()
    {
        Unpeek();
        SkipTrivia(stopAtComment: false);
        int line = _line, col = _pos - _lineStart + 1, start = _pos;
        while (_pos < _text.Length && !IsWordEnd(_text[_pos])) _pos++;
        if (_pos == start)
            throw Error(_pos >= _text.Length ? "expected a word, found the end of the text" : $"expected a word, found {DescribeChar(_text[_pos])}", line, col);
        return new TileToken(TileTokenKind.Word, _text[start.._pos], line, col, start);
    }

    /// <summary>If the rest of the current line (after spaces) is a <c>#</c> comment, consumes it and returns its
    /// text, trimmed; otherwise consumes nothing and returns null.</summary>
    public string? ReadLineComment()
    {
        Unpeek();
        int p = _pos;
        while (p < _text.Length && _text[p] is ' ' or '\t' or '\r') p++;
        if (p >= _text.Length || _text[p] != '#') return null;
        int start = p + 1;
        while (p < _text.Length && _text[p] != '\n') p++;
        _pos = p;
        return _text[start..p].Trim();
    }

    /// <summary>Reads the raw text of a brace group <c>{…}</c> (no nesting, one line or more), with its position.</summary>
    public TileToken ReadBraceGroup()
    {
        Unpeek();
        SkipTrivia(stopAtComment: false);
        int line = _line, col = _pos - _lineStart + 1, start = _pos;
        if (_pos >= _text.Length || _text[_pos] != '{') throw Error("expected '{'", line, col);
        while (_pos < _text.Length && _text[_pos] != '}')
        {
            if (_text[_pos] == '\n') { _line++; _lineStart = _pos + 1; }
            _pos++;
        }
        if (_pos >= _text.Length) throw Error("unterminated '{'", line, col);
        _pos++;
        return new TileToken(TileTokenKind.Word, _text[start.._pos], line, col, start);
    }

    public static StrataException Error(string message, int line, int col, string hint = "fix the text at that position") =>
        new(ErrorCode.ParseError, message, hint, $"line {line}, col {col}");

    private void Unpeek()
    {
        if (_peeked is null) return;
        (_pos, _line, _lineStart) = _beforePeek;
        _peeked = null;
    }

    private static bool IsWordEnd(char c) => char.IsWhiteSpace(c) || c is ',' or '{' or '}' or '=' or '#';

    private TileToken Lex()
    {
        SkipTrivia(stopAtComment: false);
        int line = _line, col = _pos - _lineStart + 1, start = _pos;
        if (_pos >= _text.Length) return new TileToken(TileTokenKind.EndOfInput, "", line, col, start);
        char c = _text[_pos];
        TileToken Single(TileTokenKind kind) { _pos++; return new TileToken(kind, c.ToString(), line, col, start); }
        switch (c)
        {
            case '(': return Single(TileTokenKind.LParen);
            case ')': return Single(TileTokenKind.RParen);
            case '{': return Single(TileTokenKind.LBrace);
            case '}': return Single(TileTokenKind.RBrace);
            case '[': return Single(TileTokenKind.LBracket);
            case ']': return Single(TileTokenKind.RBracket);
            case '<': return Single(TileTokenKind.Less);
            case '>': return Single(TileTokenKind.Greater);
            case ',': return Single(TileTokenKind.Comma);
            case '=': return Single(TileTokenKind.Equals);
            case ':': return Single(TileTokenKind.Colon);
            case '"': return new TileToken(TileTokenKind.String, ReadString(line, col), line, col, start);
            case '%':
            case '@':
            {
                _pos++;
                var kind = c == '%' ? TileTokenKind.BufferName : TileTokenKind.KernelName;
                if (_pos < _text.Length && _text[_pos] == '"')
                    return new TileToken(kind, ReadString(_line, _pos - _lineStart + 1), line, col, start);
                int nameStart = _pos;
                while (_pos < _text.Length && IsNameChar(_text[_pos])) _pos++;
                if (_pos == nameStart) throw Error($"expected a name after '{c}'", line, col);
                return new TileToken(kind, _text[nameStart.._pos], line, col, start);
            }
            case '-':
                if (Peek(1) == '>') { _pos += 2; return new TileToken(TileTokenKind.Arrow, "->", line, col, start); }
                if (char.IsAsciiDigit(Peek(1))) return ReadNumber(line, col);
                if (Peek(1) == 'i' && Peek(2) == 'n' && Peek(3) == 'f' && !IsIdentifierChar(Peek(4)))
                {
                    _pos += 4;
                    return new TileToken(TileTokenKind.Number, "-inf", line, col, start);
                }
                throw Error("unexpected '-'", line, col);
        }
        if (char.IsAsciiDigit(c)) return ReadNumber(line, col);
        if (IsIdentifierStart(c))
        {
            while (_pos < _text.Length && IsIdentifierChar(_text[_pos])) _pos++;
            return new TileToken(TileTokenKind.Identifier, _text[start.._pos], line, col, start);
        }
        throw Error($"unexpected character {DescribeChar(c)}", line, col);
    }

    private char Peek(int ahead) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private void SkipTrivia(bool stopAtComment)
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c == '\n') { _pos++; _line++; _lineStart = _pos; }
            else if (c is ' ' or '\t' or '\r') _pos++;
            else if (c == '#' && !stopAtComment) { while (_pos < _text.Length && _text[_pos] != '\n') _pos++; }
            else break;
        }
    }

    private TileToken ReadNumber(int line, int col)
    {
        int start = _pos;
        if (_text[_pos] == '-') _pos++;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (_pos < _text.Length && _text[_pos] == '.')
        {
            _pos++;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        }
        if (_pos < _text.Length && _text[_pos] is 'e' or 'E')
        {
            _pos++;
            if (_pos < _text.Length && _text[_pos] is '+' or '-') _pos++;
            int digits = _pos;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
            if (_pos == digits) throw Error("expected digits in the exponent", line, col);
        }
        if (_pos < _text.Length && IsIdentifierStart(_text[_pos]))
            throw Error($"unexpected character {DescribeChar(_text[_pos])} after a number", _line, _pos - _lineStart + 1);
        return new TileToken(TileTokenKind.Number, _text[start.._pos], line, col, start);
    }

    private string ReadString(int line, int col)
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string", line, col);
            char c = _text[_pos];
            if (c == '"') { _pos++; return sb.ToString(); }
            if (c == '\n') throw Error("newline in string (write it as \\n)", line, col);
            if (c != '\\') { sb.Append(c); _pos++; continue; }
            int escCol = _pos - _lineStart + 1;
            char e = Peek(1);
            _pos += 2;
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u':
                    if (_pos + 4 > _text.Length || !ushort.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort code))
                        throw Error("expected four hex digits after \\u", _line, escCol);
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error($"unknown escape \\{(e == '\0' ? "" : e.ToString())} in string", _line, escCol);
            }
        }
    }

    /// <summary>Characters of a bare buffer or kernel name (<c>%a.b-1_c</c>), as at the Graph level.</summary>
    public static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
    public static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';
    public static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.';

    private static string DescribeChar(char c) => c < 0x20 || c > 0x7E ? $"U+{(int)c:X4}" : $"'{c}'";
}
