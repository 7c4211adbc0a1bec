using System.Collections.Immutable;
using System.Globalization;
using Strata.Core;

namespace Strata.Tile.Text;

/// <summary>A parsed Tile text: the kernel, its knob space (empty when the text has no <c>knobs</c> block) and
/// its config (null when the text has no <c>config</c> line).</summary>
public sealed record ParsedKernel(TileKernel Kernel, ImmutableArray<Knob> Knobs, Config? Config);

/// <summary>Reads the Tile text form written by <see cref="TilePrinter"/> (grammar in
/// <c>src/Strata.Tile/Text/README.md</c>). Malformed text gives a <see cref="StrataException"/> with
/// <see cref="ErrorCode.ParseError"/> and the location <c>line L, col C</c>; it never crashes. The parser checks
/// syntax, that buffers are declared before use (a load takes its element type from the declaration) and that
/// names are declared once; everything else (scopes, extents, types, bounds) is the verifier's job.</summary>
public sealed class TileParser
{
    private const int MaxDepth = 200;

    private readonly TileLexer _lexer;
    private readonly Dictionary<string, TileBuffer> _buffers = new(StringComparer.Ordinal);
    private int _depth;

    private TileParser(string text) => _lexer = new TileLexer(text);

    /// <summary>Parses a kernel with its optional <c>knobs</c> block and <c>config</c> line.</summary>
    public static ParsedKernel Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new TileParser(text).ParseDocument();
    }

    /// <summary>Parses a kernel (knobs and config, if present, are checked and dropped).</summary>
    public static TileKernel ParseKernel(string text) => Parse(text).Kernel;

    private ParsedKernel ParseDocument()
    {
        var kernel = ParseKernelText();
        var knobs = ImmutableArray<Knob>.Empty;
        Config? config = null;
        if (IsKeyword(_lexer.Peek(), "knobs")) knobs = ParseKnobs(kernel.Name);
        if (IsKeyword(_lexer.Peek(), "config")) config = ParseConfig(kernel.Name);
        var end = _lexer.Next();
        if (end.Kind != TileTokenKind.EndOfInput)
            throw Error(end, $"expected 'knobs', 'config' or the end of the text, found {end.Describe()}");
        return new ParsedKernel(kernel, knobs, config);
    }

    private TileKernel ParseKernelText()
    {
        ExpectKeyword("tile.kernel");
        string name = Expect(TileTokenKind.KernelName, "a kernel name (@name)").Text;
        var inputs = ParseParams(BufferRole.Input);
        Expect(TileTokenKind.Arrow, "'->'");
        var outputs = ParseParams(BufferRole.Output);
        Expect(TileTokenKind.LBrace, "'{'");
        var temps = ImmutableArray.CreateBuilder<TileBuffer>();
        var axes = ImmutableArray.CreateBuilder<Axis>();
        var axisNames = new HashSet<string>(StringComparer.Ordinal);
        var computations = ImmutableArray.CreateBuilder<Computation>();
        while (true)
        {
            var t = _lexer.Peek();
            if (t.Kind == TileTokenKind.RBrace) { _lexer.Next(); break; }
            if (IsKeyword(t, "temp"))
            {
                _lexer.Next();
                temps.Add(ParseBufferDecl(BufferRole.Temp));
            }
            else if (IsKeyword(t, "domain") || IsKeyword(t, "reduce"))
            {
                _lexer.Next();
                do
                {
                    var at = _lexer.Peek();
                    string axis = ParseAxisName();
                    if (!axisNames.Add(axis)) throw Error(at, $"axis {TileSyntax.AxisRef(axis)} is declared twice", "declare every axis once");
                    Expect(TileTokenKind.Equals, "'='");
                    axes.Add(new Axis(axis, ParseNonNegative("an extent")));
                }
                while (Accept(TileTokenKind.Comma));
            }
            else if (t.Kind == TileTokenKind.BufferName)
                computations.Add(ParseComputation());
            else
                throw Error(t, $"expected 'temp', 'domain', 'reduce', a computation (%buffer[...] = ...) or '}}', found {t.Describe()}");
        }
        return new TileKernel(name, inputs, outputs, temps.ToImmutable(), axes.ToImmutable(), computations.ToImmutable());
    }

    private ImmutableArray<TileBuffer> ParseParams(BufferRole role)
    {
        Expect(TileTokenKind.LParen, "'('");
        var list = ImmutableArray.CreateBuilder<TileBuffer>();
        if (Accept(TileTokenKind.RParen)) return list.ToImmutable();
        do list.Add(ParseBufferDecl(role));
        while (Accept(TileTokenKind.Comma));
        Expect(TileTokenKind.RParen, "',' or ')'");
        return list.ToImmutable();
    }

    private TileBuffer ParseBufferDecl(BufferRole role)
    {
        var nameTok = Expect(TileTokenKind.BufferName, "a buffer name (%name)");
        Expect(TileTokenKind.Colon, "':'");
        var type = ParseElementType();
        Expect(TileTokenKind.LBracket, "'['");
        var shape = ImmutableArray.CreateBuilder<long>();
        if (!Accept(TileTokenKind.RBracket))
        {
            do shape.Add(ParseNonNegative("a dim"));
            while (Accept(TileTokenKind.Comma));
            Expect(TileTokenKind.RBracket, "',' or ']'");
        }
        var buffer = new TileBuffer(nameTok.Text, type, shape.ToImmutable(), role);
        if (!_buffers.TryAdd(buffer.Name, buffer))
            throw Error(nameTok, $"buffer {TileSyntax.BufferRef(buffer.Name)} is declared twice", "give every buffer a unique name");
        return buffer;
    }

    private Computation ParseComputation()
    {
        var outTok = _lexer.Next();
        if (!_buffers.ContainsKey(outTok.Text))
            throw Error(outTok, $"computation writes undeclared buffer {TileSyntax.BufferRef(outTok.Text)}", "declare it as an output or a temp first");
        var indices = ParseAxisList();
        Expect(TileTokenKind.Equals, "'='");
        Reduction? reduce = null;
        Expr body;
        var t = _lexer.Peek();
        if (t.Kind == TileTokenKind.Identifier && ScalarOpNames.TryParseReduce(t.Text, out var op))
        {
            _lexer.Next();
            if (_lexer.Peek().Kind == TileTokenKind.LBracket)
            {
                reduce = new Reduction(op, ParseAxisList());
                body = ParseExpr();
            }
            else body = ParseIdentifierExpr(t); // e.g. max(a, b): a binary op, not a reduction
        }
        else body = ParseExpr();
        return new Computation(outTok.Text, indices, reduce, body);
    }

    private ImmutableArray<string> ParseAxisList()
    {
        Expect(TileTokenKind.LBracket, "'['");
        var list = ImmutableArray.CreateBuilder<string>();
        if (Accept(TileTokenKind.RBracket)) return list.ToImmutable();
        do list.Add(ParseAxisName());
        while (Accept(TileTokenKind.Comma));
        Expect(TileTokenKind.RBracket, "',' or ']'");
        return list.ToImmutable();
    }

    private string ParseAxisName()
    {
        var t = _lexer.Next();
        if (t.Kind == TileTokenKind.String) return t.Text;
        if (t.Kind == TileTokenKind.Identifier && t.Text is not ("true" or "false" or "inf" or "nan")) return t.Text;
        throw Error(t, $"expected an axis name, found {t.Describe()}");
    }

    // ---- expressions ------------------------------------------------------------------------------------

    private Expr ParseExpr()
    {
        var t = _lexer.Next();
        if (++_depth > MaxDepth) throw Error(t, $"expression nested deeper than {MaxDepth}", "split it with a temp");
        try
        {
            switch (t.Kind)
            {
                case TileTokenKind.Number: return ParseNumber(t);
                case TileTokenKind.String: return new IndexVar(t.Text);
                case TileTokenKind.BufferName: return ParseLoad(t);
                case TileTokenKind.Identifier: return ParseIdentifierExpr(t);
                default: throw Error(t, $"expected an expression, found {t.Describe()}");
            }
        }
        finally { _depth--; }
    }

    /// <summary>An expression that starts with identifier <paramref name="t"/> (already consumed).</summary>
    private Expr ParseIdentifierExpr(TileToken t)
    {
        switch (t.Text)
        {
            case "true": return new Constant(Scalar.Bool(true), DataType.Bool);
            case "false": return new Constant(Scalar.Bool(false), DataType.Bool);
            case "inf" or "nan": return ParseNumber(t);
        }
        var next = _lexer.Peek();
        if (t.Text == "cast" && next.Kind == TileTokenKind.Less)
        {
            _lexer.Next();
            var to = ParseElementType();
            Expect(TileTokenKind.Greater, "'>'");
            Expect(TileTokenKind.LParen, "'('");
            var x = ParseExpr();
            Expect(TileTokenKind.RParen, "')'");
            return new Cast(x, to);
        }
        if (next.Kind != TileTokenKind.LParen) return new IndexVar(t.Text);
        _lexer.Next();
        if (t.Text == "select")
        {
            var c = ParseExpr();
            Expect(TileTokenKind.Comma, "','");
            var a = ParseExpr();
            Expect(TileTokenKind.Comma, "','");
            var b = ParseExpr();
            Expect(TileTokenKind.RParen, "')'");
            return new Select(c, a, b);
        }
        if (ScalarOpNames.TryParseUnary(t.Text, out var u))
        {
            var x = ParseExpr();
            Expect(TileTokenKind.RParen, $"')' ({t.Text} takes one operand)");
            return new Unary(u, x);
        }
        if (ScalarOpNames.TryParseBinary(t.Text, out var op))
        {
            var a = ParseExpr();
            Expect(TileTokenKind.Comma, $"',' ({t.Text} takes two operands)");
            var b = ParseExpr();
            Expect(TileTokenKind.RParen, $"')' ({t.Text} takes two operands)");
            return new Binary(op, a, b);
        }
        if (t.Text == "cast") throw Error(next, "expected '<' after cast", "write cast<f16>(x)");
        throw Error(t, $"unknown op '{t.Text}'", "ops are the lower-case names of UnaryOp and BinaryOp, select and cast<type>");
    }

    private Expr ParseNumber(TileToken t)
    {
        if (Accept(TileTokenKind.Colon))
        {
            var type = ParseElementType();
            if (!TileSyntax.TryParseLiteral(t.Text, type, out var v))
                throw Error(t, $"'{t.Text}' is not a {type.ShortName()} value");
            return new Constant(v, type);
        }
        if (t.Kind == TileTokenKind.Number && long.TryParse(t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            return new Constant(Scalar.Int(l), DataType.Int64);
        throw Error(t, $"the constant '{t.Text}' needs a type", $"write e.g. {t.Text} : f32 (bare integers are i64 index constants)");
    }

    private Expr ParseLoad(TileToken t)
    {
        if (!_buffers.TryGetValue(t.Text, out var buffer))
            throw Error(t, $"load of undeclared buffer {TileSyntax.BufferRef(t.Text)}", "declare the buffer before its first use");
        Expect(TileTokenKind.LBracket, "'['");
        var indices = ImmutableArray.CreateBuilder<Expr>();
        if (!Accept(TileTokenKind.RBracket))
        {
            do indices.Add(ParseExpr());
            while (Accept(TileTokenKind.Comma));
            Expect(TileTokenKind.RBracket, "',' or ']'");
        }
        return new Load(buffer.Name, indices.ToImmutable(), buffer.ElementType);
    }

    // ---- knobs and config -------------------------------------------------------------------------------

    private ImmutableArray<Knob> ParseKnobs(string kernel)
    {
        _lexer.Next();
        CheckKernelName(kernel, "knobs");
        Expect(TileTokenKind.LBrace, "'{'");
        var knobs = ImmutableArray.CreateBuilder<Knob>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (_lexer.PeekChar() != '}')
        {
            if (_lexer.PeekChar() == '\0') throw Error(_lexer.Peek(), "expected a knob or '}', found the end of the text");
            var name = _lexer.ReadWord();
            if (!names.Add(name.Text)) throw Error(name, $"knob '{name.Text}' is listed twice", "list every knob once");
            ExpectKeyword("in");
            Expect(TileTokenKind.LBrace, "'{'");
            var values = ImmutableArray.CreateBuilder<string>();
            if (_lexer.PeekChar() == '}') _lexer.Next();
            else
            {
                while (true)
                {
                    values.Add(_lexer.ReadWord().Text);
                    if (Accept(TileTokenKind.Comma)) continue;
                    Expect(TileTokenKind.RBrace, "',' or '}'");
                    break;
                }
            }
            string description = _lexer.ReadLineComment() ?? "";
            knobs.Add(new Knob(name.Text, values.ToImmutable(), description));
        }
        _lexer.Next();
        return knobs.ToImmutable();
    }

    private Config ParseConfig(string kernel)
    {
        _lexer.Next();
        CheckKernelName(kernel, "config");
        var group = _lexer.ReadBraceGroup();
        try
        {
            return Config.Parse(group.Text);
        }
        catch (StrataException e)
        {
            throw TileLexer.Error(e.Message, group.Line, group.Col, e.Hint ?? "write {knob = value, ...}");
        }
    }

    private void CheckKernelName(string kernel, string what)
    {
        var t = Expect(TileTokenKind.KernelName, "a kernel name (@name)");
        if (t.Text != kernel)
            throw Error(t, $"{what} for {TileSyntax.KernelRef(t.Text)} follows kernel {TileSyntax.KernelRef(kernel)}", $"write {what} {TileSyntax.KernelRef(kernel)}");
    }

    // ---- tokens ------------------------------------------------------------------------------------------

    private DataType ParseElementType()
    {
        var t = _lexer.Next();
        if (t.Kind == TileTokenKind.Identifier && DataTypes.TryParse(t.Text, out var type) && type != DataType.Undefined) return type;
        throw Error(t, $"expected an element type (f32, i64, bool, ...), found {t.Describe()}");
    }

    private long ParseNonNegative(string what)
    {
        var t = _lexer.Next();
        if (t.Kind == TileTokenKind.Number && long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long v)) return v;
        throw Error(t, $"expected {what} (a non-negative integer), found {t.Describe()}");
    }

    private static bool IsKeyword(TileToken t, string keyword) => t.Kind == TileTokenKind.Identifier && t.Text == keyword;

    private void ExpectKeyword(string keyword)
    {
        var t = _lexer.Next();
        if (!IsKeyword(t, keyword)) throw Error(t, $"expected '{keyword}', found {t.Describe()}");
    }

    private TileToken Expect(TileTokenKind kind, string what)
    {
        var t = _lexer.Next();
        if (t.Kind != kind) throw Error(t, $"expected {what}, found {t.Describe()}");
        return t;
    }

    private bool Accept(TileTokenKind kind)
    {
        if (_lexer.Peek().Kind != kind) return false;
        _lexer.Next();
        return true;
    }

    private static StrataException Error(TileToken t, string message, string hint = "fix the text at that position") =>
        TileLexer.Error(message, t.Line, t.Col, hint);
}
