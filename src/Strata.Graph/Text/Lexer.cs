using System.Globalization;
using System.Text;
using Strata.Core;

namespace Strata.Graph.Text;

/// <summary>Splits the text form into tokens. <c>#</c> starts a comment that runs to the end of the line.
/// Malformed input gives a <see cref="StrataException"/> with <see cref="ErrorCode.ParseError"/> and the
/// position (<c>line L, col C</c>).</summary>
public sealed class Lexer
{
    private readonly string _text;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public Lexer(string text) { _text = text; }

    /// <summary>All tokens, ending with one <see cref="TokenKind.EndOfInput"/>.</summary>
    public static List<Token> Tokenize(string text)
    {
        var lexer = new Lexer(text);
        var tokens = new List<Token>();
        while (true)
        {
            var t = lexer.Next();
            tokens.Add(t);
            if (t.Kind == TokenKind.EndOfInput) return tokens;
        }
    }

    public Token Next()
    {
        SkipTrivia();
        int line = _line, col = _pos - _lineStart + 1;
        if (_pos >= _text.Length) return new Token(TokenKind.EndOfInput, "", line, col);
        char c = _text[_pos];
        Token Single(TokenKind kind) { _pos++; return new Token(kind, c.ToString(), line, col); }
        switch (c)
        {
            case '(': return Single(TokenKind.LParen);
            case ')': return Single(TokenKind.RParen);
            case '{': return Single(TokenKind.LBrace);
            case '}': return Single(TokenKind.RBrace);
            case '[': return Single(TokenKind.LBracket);
            case ']': return Single(TokenKind.RBracket);
            case '<': return Single(TokenKind.Less);
            case '>': return Single(TokenKind.Greater);
            case ',': return Single(TokenKind.Comma);
            case '=': return Single(TokenKind.Equals);
            case '?': return Single(TokenKind.Question);
            case '*': return Single(TokenKind.Star);
            case ':':
                if (Peek(1) == ':') { _pos += 2; return new Token(TokenKind.DoubleColon, "::", line, col); }
                return Single(TokenKind.Colon);
            case '"':
                return new Token(TokenKind.String, ReadString(line, col), line, col);
            case '%':
            case '@':
            {
                _pos++;
                var kind = c == '%' ? TokenKind.ValueName : TokenKind.GraphName;
                if (_pos < _text.Length && _text[_pos] == '"')
                    return new Token(kind, ReadString(_line, _pos - _lineStart + 1), line, col);
                int start = _pos;
                while (_pos < _text.Length && TextSyntax.IsValueNameChar(_text[_pos])) _pos++;
                if (_pos == start)
                    throw Error($"expected a name after '{c}'", line, col);
                return new Token(kind, _text[start.._pos], line, col);
            }
            case '-':
                if (Peek(1) == '>') { _pos += 2; return new Token(TokenKind.Arrow, "->", line, col); }
                if (char.IsAsciiDigit(Peek(1))) return ReadNumber(line, col);
                if (Peek(1) == 'i' && Peek(2) == 'n' && Peek(3) == 'f' && !TextSyntax.IsIdentifierChar(Peek(4)))
                {
                    _pos += 4;
                    return new Token(TokenKind.Number, "-inf", line, col);
                }
                throw Error("unexpected '-'", line, col);
        }
        if (char.IsAsciiDigit(c)) return ReadNumber(line, col);
        if (TextSyntax.IsIdentifierStart(c))
        {
            int start = _pos;
            while (_pos < _text.Length && TextSyntax.IsIdentifierChar(_text[_pos])) _pos++;
            string id = _text[start.._pos];
            return id == "_" ? new Token(TokenKind.Underscore, id, line, col) : new Token(TokenKind.Identifier, id, line, col);
        }
        throw Error($"unexpected character {DescribeChar(c)}", line, col);
    }

    private char Peek(int ahead) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c == '\n') { _pos++; _line++; _lineStart = _pos; }
            else if (c is ' ' or '\t' or '\r') _pos++;
            else if (c == '#') { while (_pos < _text.Length && _text[_pos] != '\n') _pos++; }
            else break;
        }
    }

    private Token ReadNumber(int line, int col)
    {
        int start = _pos;
        if (_text[_pos] == '-') _pos++;
        if (_text[_pos] == '0' && Peek(1) is 'x' or 'X')
        {
            _pos += 2;
            int digits = _pos;
            while (_pos < _text.Length && char.IsAsciiHexDigit(_text[_pos])) _pos++;
            if (_pos == digits) throw Error("expected hex digits after '0x'", line, col);
        }
        else
        {
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
        }
        if (_pos < _text.Length && TextSyntax.IsIdentifierStart(_text[_pos]))
            throw Error($"unexpected character {DescribeChar(_text[_pos])} after a number", _line, _pos - _lineStart + 1);
        return new Token(TokenKind.Number, _text[start.._pos], line, col);
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

    private static string DescribeChar(char c) =>
        c < 0x20 || c > 0x7E ? $"U+{(int)c:X4}" : $"'{c}'";

    private static StrataException Error(string message, int line, int col) =>
        new(ErrorCode.ParseError, message, "fix the text at that position", $"line {line}, col {col}");
}
