using System.Collections.Immutable;
using System.Globalization;
using Strata.Core;
using Strata.Graph.Text;
using Strata.Tile;

namespace Strata.Block.Text;

/// <summary>Reads the text form written by <see cref="BlockPrinter"/> (see there for the syntax). Tokens come
/// from the level-0 <see cref="Lexer"/> (same names, numbers, strings and <c>#</c> comments). The parser resolves
/// names (a use must refer to a value defined earlier in an enclosing scope; loop bodies are scopes) but does not
/// check types: that is <c>BlockVerifier</c>'s job. Every error is a <see cref="StrataException"/> with
/// <see cref="ErrorCode.ParseError"/> and the location <c>line L, col C</c>.</summary>
public sealed class BlockParser
{
    private readonly List<Token> _tokens;
    private int _pos;
    private readonly List<Dictionary<string, BlockValue>> _scopes = [];
    private HashSet<string> _params = [];

    private BlockParser(string text) { _tokens = Lexer.Tokenize(text); }

    /// <summary>Parses exactly one kernel.</summary>
    public static BlockKernel Parse(string text)
    {
        var p = new BlockParser(text);
        var k = p.Kernel();
        p.Expect(TokenKind.EndOfInput, "end of input after the kernel's closing '}'");
        return k;
    }

    private Token Peek => _tokens[_pos];
    private Token PeekAt(int ahead) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

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

    private bool IsWord(string word, int ahead = 0) => PeekAt(ahead) is { Kind: TokenKind.Identifier } t && t.Text == word;

    private bool Accept(TokenKind kind)
    {
        if (Peek.Kind != kind) return false;
        Next();
        return true;
    }

    private static StrataException Error(Token at, string message) =>
        new(ErrorCode.ParseError, message, "fix the block kernel text at that position (see BlockPrinter for the syntax)", at.Location);

    private BlockKernel Kernel()
    {
        ExpectWord("block.kernel");
        string name = Expect(TokenKind.GraphName, "the kernel name (@name)").Text;
        Expect(TokenKind.LParen, "'(' before the parameters");
        var ps = new List<BlockParam>();
        _params = [];
        if (!Accept(TokenKind.RParen))
        {
            do ps.Add(Param()); while (Accept(TokenKind.Comma));
            Expect(TokenKind.RParen, "',' or ')' after a parameter");
        }
        ExpectWord("grid");
        Expect(TokenKind.LParen, "'(' after grid");
        var grid = new List<long>();
        do
        {
            var t = Expect(TokenKind.Number, "a grid extent");
            grid.Add(NonNegativeLong(t, "grid extent"));
        } while (Accept(TokenKind.Comma));
        Expect(TokenKind.RParen, "',' or ')' in the grid");
        var body = Block();
        return new BlockKernel(name, [.. ps], [.. grid], body);
    }

    private BlockParam Param()
    {
        var nameTok = Expect(TokenKind.ValueName, "a parameter (%name: ptr<f32>[...])");
        if (!_params.Add(nameTok.Text)) throw Error(nameTok, $"parameter %{nameTok.Text} is declared twice");
        Expect(TokenKind.Colon, "':' after the parameter name");
        ExpectWord("ptr");
        Expect(TokenKind.Less, "'<' after ptr");
        var element = ElementType();
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

    private ImmutableArray<BlockOp> Block()
    {
        Expect(TokenKind.LBrace, "'{'");
        _scopes.Add(new Dictionary<string, BlockValue>(StringComparer.Ordinal));
        var ops = ImmutableArray.CreateBuilder<BlockOp>();
        while (!Accept(TokenKind.RBrace))
        {
            if (Peek.Kind == TokenKind.EndOfInput) throw Error(Peek, "expected '}' before the end of input");
            ops.Add(Op());
        }
        _scopes.RemoveAt(_scopes.Count - 1);
        return ops.ToImmutable();
    }

    private BlockOp Op()
    {
        if (IsWord("store")) return Store();
        if (IsWord("for")) return For([]);
        var results = new List<Token>();
        do results.Add(Expect(TokenKind.ValueName, "an op (%name = ...), store, or for")); while (Accept(TokenKind.Comma));
        Expect(TokenKind.Equals, "'=' after the result name");
        if (IsWord("for")) return For(results);
        if (results.Count != 1) throw Error(results[1], "only a for loop defines several values");
        var result = results[0];
        var opTok = Expect(TokenKind.Identifier, "an op name");
        BlockOp op;
        switch (opTok.Text)
        {
            case "program_id":
            {
                int axis = NonNegativeInt(Expect(TokenKind.Number, "the grid axis"), "grid axis");
                op = new ProgramIdOp(Define(result, ResultType()), axis);
                break;
            }
            case "constant":
            {
                var lit = Literal();
                var type = ResultType();
                op = new ConstantOp(Define(result, type), ToScalar(lit, type.Element));
                break;
            }
            case "arange":
            {
                var start = Use();
                Expect(TokenKind.Comma, "',' before the arange length");
                int length = NonNegativeInt(Expect(TokenKind.Number, "the arange length"), "length");
                op = new ArangeOp(Define(result, ResultType()), start, length);
                break;
            }
            case "broadcast":
            {
                var x = Use();
                op = new BroadcastOp(Define(result, ResultType()), x);
                break;
            }
            case "reshape":
            {
                var x = Use();
                op = new ReshapeOp(Define(result, ResultType()), x);
                break;
            }
            case "cast":
            {
                var x = Use();
                op = new CastBlockOp(Define(result, ResultType()), x);
                break;
            }
            case "select":
            {
                var c = Use();
                Expect(TokenKind.Comma, "','");
                var a = Use();
                Expect(TokenKind.Comma, "','");
                var b = Use();
                op = new SelectBlockOp(Define(result, ResultType()), c, a, b);
                break;
            }
            case "load":
            {
                var (param, indices) = Access();
                BlockValue? mask = null;
                Token? other = null;
                if (IsWord("mask")) { Next(); mask = Use(); }
                if (IsWord("other")) { Next(); other = Literal(); }
                var type = ResultType();
                op = new LoadOp(Define(result, type), param, indices, mask, other is { } o ? ToScalar(o, type.Element) : null);
                break;
            }
            case "dot":
            {
                var a = Use();
                Expect(TokenKind.Comma, "','");
                var b = Use();
                Expect(TokenKind.Comma, "',' before the accumulator");
                var acc = Use();
                op = new DotOp(Define(result, ResultType()), a, b, acc);
                break;
            }
            case "reduce":
            {
                var kindTok = Expect(TokenKind.Identifier, "a reduction (sum, prod, max, min, argmax, ...)");
                if (!ScalarOpNames.TryParseReduce(kindTok.Text, out var kind))
                    throw Error(kindTok, $"unknown reduction '{kindTok.Text}'; expected one of {string.Join(", ", Enum.GetValues<ReduceOp>().Select(r => r.Name()))}");
                var x = Use();
                Expect(TokenKind.Comma, "',' before axis");
                ExpectWord("axis");
                int axis = NonNegativeInt(Expect(TokenKind.Number, "the axis"), "axis");
                op = new ReduceBlockOp(Define(result, ResultType()), kind, x, axis);
                break;
            }
            default:
                if (ScalarOpNames.TryParseUnary(opTok.Text, out var u))
                {
                    var x = Use();
                    op = new UnaryBlockOp(Define(result, ResultType()), u, x);
                }
                else if (ScalarOpNames.TryParseBinary(opTok.Text, out var bop))
                {
                    var a = Use();
                    Expect(TokenKind.Comma, "',' between the operands");
                    var b = Use();
                    op = new BinaryBlockOp(Define(result, ResultType()), bop, a, b);
                }
                else throw Error(opTok, $"unknown op '{opTok.Text}'");
                break;
        }
        return op;
    }

    private StoreOp Store()
    {
        ExpectWord("store");
        var (param, indices) = Access();
        Expect(TokenKind.Comma, "',' before the stored value");
        var value = Use();
        BlockValue? mask = null;
        if (IsWord("mask")) { Next(); mask = Use(); }
        return new StoreOp(param, indices, value, mask);
    }

    private (string Param, ImmutableArray<BlockValue> Indices) Access()
    {
        var p = Expect(TokenKind.ValueName, "a parameter (%name)");
        if (!_params.Contains(p.Text)) throw Error(p, $"%{p.Text} is not a parameter of the kernel");
        Expect(TokenKind.LBracket, "'[' before the index blocks");
        var indices = ImmutableArray.CreateBuilder<BlockValue>();
        if (!Accept(TokenKind.RBracket))
        {
            do indices.Add(Use()); while (Accept(TokenKind.Comma));
            Expect(TokenKind.RBracket, "',' or ']' after an index block");
        }
        return (p.Text, indices.ToImmutable());
    }

    /// <summary><c>%r = for %k = %lo to %hi step 1 iter(%a = %init) -> f32[4] { ... yield %a1 }</c>.</summary>
    private ForOp For(List<Token> results)
    {
        var forTok = ExpectWord("for");
        var ivTok = Expect(TokenKind.ValueName, "the induction variable");
        Expect(TokenKind.Equals, "'=' after the induction variable");
        var lower = Use();
        ExpectWord("to");
        var upper = Use();
        ExpectWord("step");
        var stepTok = Expect(TokenKind.Number, "the step (a positive integer)");
        long step = NonNegativeLong(stepTok, "step");
        if (step == 0) throw Error(stepTok, "the step of a for loop must be positive");
        var iterNames = new List<Token>();
        var inits = new List<BlockValue>();
        if (IsWord("iter"))
        {
            Next();
            Expect(TokenKind.LParen, "'(' after iter");
            do
            {
                iterNames.Add(Expect(TokenKind.ValueName, "a loop-carried value (%a = %init)"));
                Expect(TokenKind.Equals, "'=' after the loop-carried value");
                inits.Add(Use());
            } while (Accept(TokenKind.Comma));
            Expect(TokenKind.RParen, "',' or ')' in iter(...)");
        }
        var types = new List<BlockType>();
        if (Accept(TokenKind.Arrow))
            do types.Add(Type()); while (Accept(TokenKind.Comma));
        if (types.Count != iterNames.Count)
            throw Error(forTok, $"the loop carries {iterNames.Count} values but declares {types.Count} result types");
        if (results.Count != iterNames.Count)
            throw Error(results.Count > 0 ? results[0] : forTok, $"the loop carries {iterNames.Count} values but defines {results.Count} results");

        Expect(TokenKind.LBrace, "'{' before the loop body");
        var scope = new Dictionary<string, BlockValue>(StringComparer.Ordinal);
        _scopes.Add(scope);
        var iv = Define(ivTok, BlockType.Scalar(DataType.Int64));
        var iterArgs = new List<BlockValue>();
        for (int i = 0; i < iterNames.Count; i++) iterArgs.Add(Define(iterNames[i], types[i]));
        var body = ImmutableArray.CreateBuilder<BlockOp>();
        var yields = new List<BlockValue>();
        while (true)
        {
            if (Peek.Kind == TokenKind.EndOfInput) throw Error(Peek, "expected '}' before the end of input");
            if (IsWord("yield"))
            {
                var y = Next();
                if (Peek.Kind == TokenKind.ValueName)
                    do yields.Add(Use()); while (Accept(TokenKind.Comma));
                if (yields.Count != iterNames.Count)
                    throw Error(y, $"the loop carries {iterNames.Count} values but yields {yields.Count}");
                Expect(TokenKind.RBrace, "'}' after yield (yield ends the loop body)");
                break;
            }
            if (Accept(TokenKind.RBrace))
            {
                if (iterNames.Count > 0) throw Error(_tokens[_pos - 1], $"the loop body must end with yield of {iterNames.Count} values");
                break;
            }
            body.Add(Op());
        }
        _scopes.RemoveAt(_scopes.Count - 1);
        var loopResults = new List<BlockValue>();
        for (int i = 0; i < results.Count; i++) loopResults.Add(Define(results[i], types[i]));
        return new ForOp([.. loopResults], iv, lower, upper, step, [.. iterArgs], [.. inits], body.ToImmutable(), [.. yields]);
    }

    private BlockValue Define(Token name, BlockType type)
    {
        var scope = _scopes[^1];
        foreach (var s in _scopes)
            if (s.ContainsKey(name.Text)) throw Error(name, $"%{name.Text} is already defined (values are defined once)");
        if (_params.Contains(name.Text)) throw Error(name, $"%{name.Text} is a parameter; choose another name for the value");
        var v = new BlockValue(name.Text, type);
        scope[name.Text] = v;
        return v;
    }

    private BlockValue Use()
    {
        var t = Expect(TokenKind.ValueName, "a value (%name)");
        for (int i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(t.Text, out var v)) return v;
        if (_params.Contains(t.Text)) throw Error(t, $"%{t.Text} is a parameter (a pointer): use it in load or store");
        throw Error(t, $"%{t.Text} is not defined here (define values before their use; loop values stay inside the loop)");
    }

    private BlockType ResultType()
    {
        Expect(TokenKind.Colon, "':' and the result type");
        return Type();
    }

    private BlockType Type()
    {
        var element = ElementType();
        if (!Accept(TokenKind.LBracket)) return BlockType.Scalar(element);
        var shape = new List<int>();
        if (!Accept(TokenKind.RBracket))
        {
            do shape.Add(NonNegativeInt(Expect(TokenKind.Number, "a block dimension"), "block dimension")); while (Accept(TokenKind.Comma));
            Expect(TokenKind.RBracket, "',' or ']' in the block shape");
        }
        return new BlockType(element, [.. shape]);
    }

    private DataType ElementType()
    {
        var t = Expect(TokenKind.Identifier, "an element type (f32, index, bool, ...)");
        if (t.Text == "index") return DataType.Int64;
        if (DataTypes.TryParse(t.Text, out var dt) && dt != DataType.Undefined && ScalarSemantics.IsSupported(dt)) return dt;
        throw Error(t, $"unknown element type '{t.Text}' (block values are index, bool, f16, bf16, f32, f64, i8..i64, u8..u64)");
    }

    /// <summary>A literal token (number, inf, nan, true, false); its meaning depends on the type that follows.</summary>
    private Token Literal()
    {
        var t = Peek;
        if (t.Kind == TokenKind.Number || t.Kind == TokenKind.Identifier && t.Text is "inf" or "nan" or "true" or "false") return Next();
        throw Error(t, $"expected a literal (a number, inf, -inf, nan, true or false), found {t.Describe()}");
    }

    private static Scalar ToScalar(Token t, DataType type)
    {
        string s = t.Text;
        if (type == DataType.Bool)
        {
            return s switch
            {
                "true" or "1" => Scalar.Bool(true),
                "false" or "0" => Scalar.Bool(false),
                _ => throw Error(t, $"'{s}' is not a bool literal (true or false)"),
            };
        }
        if (ScalarSemantics.IsFloat(type))
        {
            double v = s switch
            {
                "inf" => double.PositiveInfinity,
                "-inf" => double.NegativeInfinity,
                "nan" => double.NaN,
                "true" or "false" => throw Error(t, $"'{s}' is not a {type.ShortName()} literal"),
                _ when s.Contains("0x") || s.Contains("0X") => throw Error(t, $"'{s}': write {type.ShortName()} literals in decimal"),
                _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Error(t, $"'{s}' is not a number"),
            };
            return ScalarSemantics.Normalize(Scalar.Float(v), type);
        }
        if (s.Contains('.') || s.Contains('e') || s.Contains('E') || s is "inf" or "-inf" or "nan" or "true" or "false")
            throw Error(t, $"'{s}' is not an integer literal of type {type.ShortName()}");
        long value;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || s.StartsWith("-0x", StringComparison.OrdinalIgnoreCase))
            throw Error(t, $"'{s}': write integer literals in decimal");
        if (type == DataType.UInt64 && !s.StartsWith('-') && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u)) value = (long)u;
        else if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
            throw Error(t, $"integer literal '{s}' does not fit in 64 bits");
        var n = ScalarSemantics.Normalize(Scalar.Int(value), type);
        if (n.I != value) throw Error(t, $"integer literal '{s}' does not fit in {type.ShortName()}");
        return n;
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
