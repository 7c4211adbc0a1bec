using System.Collections.Immutable;
using System.Globalization;
using Strata.Block;
using Strata.Core;
using Strata.Graph.Text;
using Strata.Tile;

namespace Strata.Machine.Text;

/// <summary>Reads the text form written by <see cref="MachinePrinter"/> (see there and src/Strata.Machine/README.md
/// for the syntax). Tokens come from the level-0 <see cref="Lexer"/>. Registers are mutable and kernel-wide: the
/// first assignment of a name fixes its type, later assignments must repeat it, and a use must follow some
/// assignment in the text (whether it is assigned on every path is <c>MachineVerifier</c>'s job, as are all other
/// type rules). Memory names (parameters, buffers) are a separate namespace, used only inside <c>%m[...]</c>.
/// Every error is a <see cref="StrataException"/> with <see cref="ErrorCode.ParseError"/> and <c>line L, col C</c>.</summary>
public sealed class MachineParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _pos;
    private readonly Dictionary<string, Reg> _regs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _memories = new(StringComparer.Ordinal);
    private readonly List<LocalBuffer> _buffers = [];

    private MachineParser(string text)
    {
        _text = text;
        _tokens = Lexer.Tokenize(MaskTargetName(text));
    }

    /// <summary>Parses exactly one kernel.</summary>
    public static MachineKernel Parse(string text)
    {
        var p = new MachineParser(text);
        var k = p.Kernel();
        p.Expect(TokenKind.EndOfInput, "end of input after the kernel's closing '}'");
        return k;
    }

    private Token Peek => _tokens[_pos];

    private Token Next()
    {
        var t = _tokens[_pos];
        if (_pos < _tokens.Count - 1) _pos++;
        return t;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Peek.Kind != kind) throw Error(Peek, $"expected {what}, found {Peek.Describe()}");
        return Next();
    }

    private Token ExpectWord(string word)
    {
        if (!IsWord(word)) throw Error(Peek, $"expected '{word}', found {Peek.Describe()}");
        return Next();
    }

    private bool IsWord(string word) => Peek is { Kind: TokenKind.Identifier } t && t.Text == word;

    private bool Accept(TokenKind kind)
    {
        if (Peek.Kind != kind) return false;
        Next();
        return true;
    }

    private static StrataException Error(Token at, string message) =>
        new(ErrorCode.ParseError, message, "fix the machine kernel text at that position (see src/Strata.Machine/README.md for the syntax)", at.Location);

    private MachineKernel Kernel()
    {
        ExpectWord("machine.kernel");
        string name = Expect(TokenKind.GraphName, "the kernel name (@name)").Text;
        ExpectWord("target");
        Expect(TokenKind.LParen, "'(' after target");
        var target = TargetName();
        Expect(TokenKind.RParen, "')' after the target name");
        Expect(TokenKind.LParen, "'(' before the parameters");
        var ps = new List<BlockParam>();
        if (!Accept(TokenKind.RParen))
        {
            do ps.Add(Param()); while (Accept(TokenKind.Comma));
            Expect(TokenKind.RParen, "',' or ')' after a parameter");
        }
        ExpectWord("programs");
        Expect(TokenKind.LParen, "'(' after programs");
        var grid = new List<long>();
        if (!Accept(TokenKind.RParen))
        {
            do grid.Add(NonNegativeLong(Expect(TokenKind.Number, "a grid extent"), "grid extent")); while (Accept(TokenKind.Comma));
            Expect(TokenKind.RParen, "',' or ')' in programs(...)");
        }
        var body = Body(topLevel: true);
        return new MachineKernel(name, target, [.. ps], [.. grid], [.. _buffers], body);
    }

    /// <summary>The lexer cannot read <c>x86-64-avx2</c> as one token ('-' starts a number), so before lexing the
    /// dashes inside <c>target(...)</c> become '_' (same length, so positions stay right); <see cref="TargetName"/>
    /// reads the name back from the original text.</summary>
    private static string MaskTargetName(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '#') { while (i < text.Length && text[i] != '\n') i++; continue; }
            if (c == '"')
            {
                for (i++; i < text.Length && text[i] is not ('"' or '\n'); i++)
                    if (text[i] == '\\') i++;
                i++;
                continue;
            }
            if (c == '(' && PrecededByTargetWord(text, i))
            {
                var chars = text.ToCharArray();
                for (int j = i + 1; j < chars.Length && chars[j] is not (')' or '\n'); j++)
                    if (chars[j] == '-' && j > i + 1 && char.IsAsciiLetterOrDigit(chars[j - 1])) chars[j] = '_';
                return new string(chars);
            }
            i++;
        }
        return text;
    }

    private static bool PrecededByTargetWord(string text, int paren)
    {
        int end = paren;
        while (end > 0 && text[end - 1] is ' ' or '\t') end--;
        int start = end - "target".Length;
        return start >= 0 && string.CompareOrdinal(text, start, "target", 0, "target".Length) == 0
            && (start == 0 || !(TextSyntax.IsValueNameChar(text[start - 1]) || text[start - 1] is '%' or '@' or '"'));
    }

    private Target TargetName()
    {
        var t = Expect(TokenKind.Identifier, "a target name (" + TargetNames() + ")");
        string name = Original(t);
        if (name == "host") return TargetCatalog.Host;
        return Target.Find(name)
            ?? throw Error(t, $"unknown target '{name}'; targets are: {TargetNames()}");
    }

    private static string TargetNames() => "host, " + string.Join(", ", Target.Known.Select(k => k.Name));

    /// <summary>The token's text as written in the original input (before <see cref="MaskTargetName"/>).</summary>
    private string Original(Token t)
    {
        int offset = 0;
        for (int line = 1; line < t.Line; line++) offset = _text.IndexOf('\n', offset) + 1;
        offset += t.Column - 1;
        return offset >= 0 && offset + t.Text.Length <= _text.Length ? _text.Substring(offset, t.Text.Length) : t.Text;
    }

    private BlockParam Param()
    {
        var nameTok = Expect(TokenKind.ValueName, "a parameter (%name: ptr<f32>[...])");
        if (!_memories.Add(nameTok.Text)) throw Error(nameTok, $"parameter %{nameTok.Text} is declared twice");
        Expect(TokenKind.Colon, "':' after the parameter name");
        ExpectWord("ptr");
        Expect(TokenKind.Less, "'<' after ptr");
        var element = ElementType(Expect(TokenKind.Identifier, "an element type (f32, i64, bool, ...)"));
        Expect(TokenKind.Greater, "'>' after the element type");
        Expect(TokenKind.LBracket, "'[' before the parameter's shape");
        var shape = new List<long>();
        if (!Accept(TokenKind.RBracket))
        {
            do shape.Add(NonNegativeLong(Expect(TokenKind.Number, "a dimension"), "dimension")); while (Accept(TokenKind.Comma));
            Expect(TokenKind.RBracket, "',' or ']' in the shape");
        }
        var role = ParamRole.Input;
        if (Peek.Kind == TokenKind.Identifier)
        {
            var r = Next();
            role = r.Text switch
            {
                "input" => ParamRole.Input,
                "output" => ParamRole.Output,
                "scratch" => ParamRole.Scratch,
                _ => throw Error(r, $"expected input, output or scratch, found {r.Describe()}"),
            };
        }
        return new BlockParam(nameTok.Text, element, [.. shape], role);
    }

    private ImmutableArray<MStmt> Body(bool topLevel = false)
    {
        Expect(TokenKind.LBrace, "'{'");
        var stmts = ImmutableArray.CreateBuilder<MStmt>();
        while (!Accept(TokenKind.RBrace))
        {
            if (Peek.Kind == TokenKind.EndOfInput) throw Error(Peek, "expected '}' before the end of input");
            if (IsWord("buffer"))
            {
                if (!topLevel) throw Error(Peek, "buffers are declared at the top of the kernel body, not inside a loop or if");
                Buffer();
                continue;
            }
            stmts.Add(Stmt());
        }
        return stmts.ToImmutable();
    }

    /// <summary><c>buffer %t: f32[32]</c>.</summary>
    private void Buffer()
    {
        ExpectWord("buffer");
        var nameTok = Expect(TokenKind.ValueName, "the buffer name (%name)");
        if (!_memories.Add(nameTok.Text)) throw Error(nameTok, $"%{nameTok.Text} is already a parameter or buffer");
        Expect(TokenKind.Colon, "':' after the buffer name");
        var element = ElementType(Expect(TokenKind.Identifier, "an element type (f32, i64, bool, ...)"));
        Expect(TokenKind.LBracket, "'[' before the buffer length");
        long length = NonNegativeLong(Expect(TokenKind.Number, "the buffer length"), "buffer length");
        Expect(TokenKind.RBracket, "']' after the buffer length");
        _buffers.Add(new LocalBuffer(nameTok.Text, element, length));
    }

    private MStmt Stmt()
    {
        if (IsWord("store")) return Store();
        if (IsWord("prefetch"))
        {
            Next();
            var (memory, index) = Access();
            return new PrefetchStmt(memory, index);
        }
        if (IsWord("loop")) return Loop();
        if (IsWord("if")) return If();
        var result = Expect(TokenKind.ValueName, "a statement (%r = ..., store, prefetch, loop or if)");
        Expect(TokenKind.Equals, "'=' after the register name");
        var opTok = Expect(TokenKind.Identifier, "an op name");
        switch (opTok.Text)
        {
            case "const":
            {
                if (!MachineLiterals.IsLiteral(Peek))
                    throw Error(Peek, $"expected a literal (a number, inf, -inf, nan, true or false), found {Peek.Describe()}");
                var lit = Next();
                var type = ResultType();
                if (!MachineLiterals.TryRead(lit, type.Element, out var value, out var error)) throw Error(lit, error);
                return new ConstStmt(Define(result, type), value);
            }
            case "program_id":
            {
                var axisTok = Expect(TokenKind.Number, "the grid axis");
                int axis = NonNegativeInt(axisTok, "grid axis");
                return new ProgramIdStmt(Define(result, ResultType()), axis);
            }
            case "mov":
            {
                var x = Use();
                return new MoveStmt(Define(result, ResultType()), x);
            }
            case "cast":
            {
                var x = Use();
                return new CastStmt(Define(result, ResultType()), x);
            }
            case "broadcast":
            {
                var x = Use();
                return new BroadcastStmt(Define(result, ResultType()), x);
            }
            case "fma":
            {
                var a = Use();
                Expect(TokenKind.Comma, "','");
                var b = Use();
                Expect(TokenKind.Comma, "','");
                var c = Use();
                return new FmaStmt(Define(result, ResultType()), a, b, c);
            }
            case "select":
            {
                var c = Use();
                Expect(TokenKind.Comma, "','");
                var a = Use();
                Expect(TokenKind.Comma, "','");
                var b = Use();
                return new SelectStmt(Define(result, ResultType()), c, a, b);
            }
            case "shuffle":
            {
                var a = Use();
                Expect(TokenKind.Comma, "','");
                var b = Use();
                Expect(TokenKind.LBracket, "'[' before the lane indices");
                var lanes = ImmutableArray.CreateBuilder<int>();
                do lanes.Add((int)NonNegativeLong(Expect(TokenKind.Number, "a lane index"), "lane index")); while (Accept(TokenKind.Comma));
                Expect(TokenKind.RBracket, "',' or ']' after the lane indices");
                return new ShuffleStmt(Define(result, ResultType()), a, b, lanes.ToImmutable());
            }
            case "reduce_lanes":
            {
                var kindTok = Expect(TokenKind.Identifier, "a reduction (sum, prod, max, min)");
                if (!ScalarOpNames.TryParseReduce(kindTok.Text, out var kind))
                    throw Error(kindTok, $"unknown reduction '{kindTok.Text}'; expected sum, prod, max or min");
                var v = Use();
                return new ReduceLanesStmt(Define(result, ResultType()), kind, v);
            }
            case "load":
            {
                var (memory, index) = Access();
                Reg? mask = null, from = null, count = null;
                Token? other = null;
                long stride = 1;
                if (IsWord("mask")) { Next(); mask = Use(); }
                if (IsWord("stride"))
                {
                    Next();
                    var strideTok = Expect(TokenKind.Number, "the lane stride (an integer of at least 2)");
                    stride = NonNegativeLong(strideTok, "stride");
                    if (stride < 2) throw Error(strideTok, "a lane stride is at least 2 (a plain load has stride 1)");
                }
                if (IsWord("from")) { Next(); from = Use(); }
                if (IsWord("count")) { Next(); count = Use(); }
                if (IsWord("other"))
                {
                    Next();
                    if (!MachineLiterals.IsLiteral(Peek))
                        throw Error(Peek, $"expected a literal after other, found {Peek.Describe()}");
                    other = Next();
                }
                var type = ResultType();
                Scalar? otherValue = null;
                if (other is { } o)
                {
                    if (!MachineLiterals.TryRead(o, type.Element, out var ov, out var error)) throw Error(o, error);
                    otherValue = ov;
                }
                return new LoadStmt(Define(result, type), memory, index, mask, count, otherValue, from, stride);
            }
            default:
                if (ScalarOpNames.TryParseUnary(opTok.Text, out var u))
                {
                    var x = Use();
                    return new UnaryStmt(Define(result, ResultType()), u, x);
                }
                if (ScalarOpNames.TryParseBinary(opTok.Text, out var bop))
                {
                    var a = Use();
                    Expect(TokenKind.Comma, "',' between the operands");
                    var b = Use();
                    return new BinaryStmt(Define(result, ResultType()), bop, a, b);
                }
                throw Error(opTok, $"unknown op '{opTok.Text}' (expected const, program_id, mov, cast, broadcast, fma, select, "
                    + "shuffle, reduce_lanes, load, or a unary/binary op such as exp or add)");
        }
    }

    private StoreStmt Store()
    {
        ExpectWord("store");
        var (memory, index) = Access();
        Expect(TokenKind.Comma, "',' before the stored register");
        var value = Use();
        Reg? mask = null, from = null, count = null;
        long stride = 1;
        if (IsWord("mask")) { Next(); mask = Use(); }
        if (IsWord("stride"))
        {
            Next();
            var strideTok = Expect(TokenKind.Number, "the lane stride (an integer of at least 2)");
            stride = NonNegativeLong(strideTok, "stride");
            if (stride < 2) throw Error(strideTok, "a lane stride is at least 2 (a plain store has stride 1)");
        }
        if (IsWord("from")) { Next(); from = Use(); }
        if (IsWord("count")) { Next(); count = Use(); }
        return new StoreStmt(memory, index, value, mask, count, from, stride);
    }

    /// <summary><c>%mem[%i]</c>.</summary>
    private (string Memory, Reg Index) Access()
    {
        var m = Expect(TokenKind.ValueName, "a parameter or buffer (%name)");
        if (!_memories.Contains(m.Text)) throw Error(m, $"%{m.Text} is not a parameter or buffer of the kernel");
        Expect(TokenKind.LBracket, "'[' before the index");
        var index = Use();
        Expect(TokenKind.RBracket, "']' after the index");
        return (m.Text, index);
    }

    /// <summary><c>loop %i = %lo to %hi step 8 { … }</c>.</summary>
    private LoopStmt Loop()
    {
        ExpectWord("loop");
        var varTok = Expect(TokenKind.ValueName, "the loop variable");
        Expect(TokenKind.Equals, "'=' after the loop variable");
        var lower = Use();
        ExpectWord("to");
        var upper = Use();
        ExpectWord("step");
        var stepTok = Expect(TokenKind.Number, "the step (a positive integer)");
        long step = NonNegativeLong(stepTok, "step");
        if (step == 0) throw Error(stepTok, "the step of a loop must be positive");
        var var = Define(varTok, MType.I64);
        var body = Body();
        return new LoopStmt(var, lower, upper, step, body);
    }

    /// <summary><c>if %c { … } else { … }</c>.</summary>
    private IfStmt If()
    {
        ExpectWord("if");
        var c = Use();
        var then = Body();
        var els = ImmutableArray<MStmt>.Empty;
        if (IsWord("else"))
        {
            Next();
            els = Body();
        }
        return new IfStmt(c, then, els);
    }

    private Reg Define(Token name, MType type)
    {
        if (_regs.TryGetValue(name.Text, out var r))
        {
            if (r.Type != type)
                throw Error(name, $"%{name.Text} is assigned a {type} here but was a {r.Type} before (a register keeps one type)");
            return r;
        }
        r = new Reg(name.Text, type);
        _regs[name.Text] = r;
        return r;
    }

    private Reg Use()
    {
        var t = Expect(TokenKind.ValueName, "a register (%name)");
        if (_regs.TryGetValue(t.Text, out var r)) return r;
        if (_memories.Contains(t.Text)) throw Error(t, $"%{t.Text} is a parameter or buffer: use it as %{t.Text}[%index] in load, store or prefetch");
        throw Error(t, $"register %{t.Text} is used before any assignment");
    }

    private MType ResultType()
    {
        Expect(TokenKind.Colon, "':' and the register type");
        return Type(Expect(TokenKind.Identifier, "a register type (f32, i64, bool, v8f32, ...)"));
    }

    /// <summary><c>f32</c>, <c>bool</c>, <c>v8f32</c>, <c>v16bool</c>.</summary>
    private static MType Type(Token t)
    {
        string s = t.Text;
        if (s.Length > 1 && s[0] == 'v' && char.IsAsciiDigit(s[1]))
        {
            int end = 1;
            while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
            if (!int.TryParse(s.AsSpan(1, end - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int lanes) || lanes < 2)
                throw Error(t, $"'{s}': a vector type has 2 or more lanes (v8f32); scalars are written without v (f32)");
            return MType.Vector(ElementType(t, s[end..]), lanes);
        }
        return MType.Scalar(ElementType(t, s));
    }

    private static DataType ElementType(Token t) => ElementType(t, t.Text);

    private static DataType ElementType(Token t, string name)
    {
        if (DataTypes.TryParse(name, out var dt) && dt != DataType.Undefined && ScalarSemantics.IsSupported(dt)) return dt;
        throw Error(t, $"unknown element type '{name}' (machine types are bool, f16, bf16, f32, f64, i8..i64, u8..u64, or vectors of them: v8f32)");
    }

    private static long NonNegativeLong(Token t, string what)
    {
        if (!long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
            throw Error(t, $"expected a non-negative integer {what}, found '{t.Text}'");
        return v;
    }

    private static int NonNegativeInt(Token t, string what)
    {
        if (!int.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
            throw Error(t, $"expected a non-negative integer {what} (up to {int.MaxValue}), found '{t.Text}'");
        return v;
    }
}
