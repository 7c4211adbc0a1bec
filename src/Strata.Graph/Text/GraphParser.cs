using System.Globalization;
using Strata.Core;

namespace Strata.Graph.Text;

/// <summary>Parses the level-0 text form printed by <see cref="GraphPrinter"/> back into a <see cref="Graph"/>.
/// Every error is a <see cref="StrataException"/> with <see cref="ErrorCode.ParseError"/> and a location
/// <c>line L, col C</c>; malformed text never crashes the parser.
/// <para>Names: a use refers to the nearest definition visible in the enclosing graphs; a use before its
/// definition in the same graph is accepted (the graph is then not in topological order, which
/// <see cref="Verification.GraphVerifier"/> reports). A graph without an <c>opset</c> clause imports its
/// parent's opsets (or <see cref="OpsetDefaults.Latest"/> at the top level).</para>
/// <para>Also accepted, for text written by hand: <c>#</c> comments, node results without <c>: types</c>,
/// and numeric literal lists as constant data (<c>dense&lt;[1, 2, 3]&gt;</c>). <c>dense_resource&lt;elided&gt;</c>
/// gives a zero-filled tensor (empty strings for <c>str</c>) of the stated type.</para></summary>
public sealed class GraphParser
{
    /// <summary>Nesting limit for graphs, types and lists, so hostile input cannot overflow the stack.</summary>
    public const int MaxNesting = 128;

    /// <summary>Largest elided tensor (elements) the parser zero-fills.</summary>
    public const int MaxElidedElements = 1 << 28;

    private readonly List<Token> _tokens;
    private int _pos;
    private int _depth;
    private Scope? _scope;

    private GraphParser(List<Token> tokens) { _tokens = tokens; }

    /// <summary>Parses one graph (the whole text).</summary>
    public static Graph Parse(string text)
    {
        GraphParser? parser = null;
        return Guard(() =>
        {
            parser = new GraphParser(Lexer.Tokenize(text));
            var g = parser.ParseGraph(null);
            parser.Expect(TokenKind.EndOfInput, "end of input after the graph");
            return g;
        }, () => parser);
    }

    /// <summary>Parses a type such as <c>f32[2,batch]</c>, <c>seq&lt;i64[*]&gt;</c> or <c>?</c> (null).</summary>
    public static Core.ValueType? ParseType(string text)
    {
        GraphParser? parser = null;
        return Guard(() =>
        {
            parser = new GraphParser(Lexer.Tokenize(text));
            var t = parser.ParseValueType();
            parser.Expect(TokenKind.EndOfInput, "end of input after the type");
            return t;
        }, () => parser);
    }

    /// <summary>Turns any failure into a ParseError at the current token.</summary>
    private static T Guard<T>(Func<T> parse, Func<GraphParser?> parser)
    {
        try
        {
            return parse();
        }
        catch (StrataException e) when (e.Code == ErrorCode.ParseError && e.Location is not null)
        {
            throw;
        }
        catch (Exception e) when (e is StrataException or FormatException or OverflowException or ArgumentException
                                      or InvalidOperationException or IndexOutOfRangeException or InvalidCastException)
        {
            var p = parser();
            string location = p is null ? "line 1, col 1" : p.Current.Location;
            throw new StrataException(ErrorCode.ParseError, e.Message, "fix the text at that position", location, e);
        }
    }

    // ---- graphs ------------------------------------------------------------------------------------------

    private Graph ParseGraph(Graph? parent)
    {
        Enter();
        ExpectKeyword("graph");
        var g = new Graph(Expect(TokenKind.GraphName, "a graph name (@name)").Text);

        var scope = new Scope(_scope);
        _scope = scope;
        Expect(TokenKind.LParen, "'('");
        if (!At(TokenKind.RParen))
        {
            do
            {
                var nameTok = Expect(TokenKind.ValueName, "an input (%name: type)");
                Expect(TokenKind.Colon, "':' and the input's type");
                var v = new Value(nameTok.Text, ParseValueType());
                Define(nameTok, v);
                g.Inputs.Add(v);
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RParen, "')' after the inputs");
        Expect(TokenKind.Arrow, "'->' and the outputs");
        Expect(TokenKind.LParen, "'('");
        var declaredOutputs = new List<(Token Name, Core.ValueType? Type)>();
        if (!At(TokenKind.RParen))
        {
            do
            {
                var nameTok = Expect(TokenKind.ValueName, "an output (%name: type)");
                Expect(TokenKind.Colon, "':' and the output's type");
                declaredOutputs.Add((nameTok, ParseValueType()));
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RParen, "')' after the outputs");

        if (AtKeyword("opset")) g.OpsetImports = ParseOpsets();
        else if (parent is not null) g.OpsetImports = new Dictionary<string, int>(parent.OpsetImports);

        Expect(TokenKind.LBrace, "'{' to open the graph body");
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Identifier && t.Text == "return" && Peek(1).Kind != TokenKind.LParen) break;
            if (t.Kind == TokenKind.Identifier && t.Text == "metadata" && Peek(1).Kind == TokenKind.LBrace)
            {
                if (g.Metadata.Count > 0) throw Error(t, "a graph has at most one metadata block");
                ParseMetadata(g);
            }
            else if (t.Kind is TokenKind.ValueName or TokenKind.Underscore) ParseDefinition(g);
            else if (t.Kind is TokenKind.Identifier or TokenKind.String) ParseNode(g, []);
            else throw Error(t, $"expected a node, a constant or 'return', found {t.Describe()}");
        }
        var returnTok = Next();
        var returned = new List<(Token, Value)>();
        if (At(TokenKind.ValueName))
        {
            do
            {
                var nameTok = Expect(TokenKind.ValueName, "a value to return");
                returned.Add((nameTok, Use(nameTok)));
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RBrace, "'}' to close the graph body");

        if (returned.Count != declaredOutputs.Count)
            throw Error(returnTok, $"'return' has {returned.Count} values but the header declares {declaredOutputs.Count} outputs");
        for (int i = 0; i < returned.Count; i++)
        {
            var (tok, v) = returned[i];
            var (declTok, declType) = declaredOutputs[i];
            if (tok.Text != declTok.Text)
                throw Error(tok, $"returns %{tok.Text} where the header declares output %{declTok.Text}");
            if (!scope.IsPending(v) && v.Type is not null && !Equals(v.Type, declType))
                throw Error(declTok, $"output %{declTok.Text} is declared {TextSyntax.FormatType(declType)} but the value is {TextSyntax.FormatType(v.Type)}");
            if (v.Type is null && declType is not null) v.Type = declType;
            g.Outputs.Add(v);
        }

        _scope = scope.Parent;
        scope.Close(this);
        Leave();
        return g;
    }

    private Dictionary<string, int> ParseOpsets()
    {
        Next(); // opset
        Expect(TokenKind.LBrace, "'{' after opset");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!At(TokenKind.RBrace))
        {
            do
            {
                var domainTok = Expect(TokenKind.String, "a quoted domain (\"\" for ONNX)");
                Expect(TokenKind.Colon, "':' and the opset version");
                var versionTok = Expect(TokenKind.Number, "an opset version");
                if (!int.TryParse(versionTok.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int version))
                    throw Error(versionTok, $"opset version {versionTok.Text} is not an integer");
                if (!result.TryAdd(domainTok.Text, version))
                    throw Error(domainTok, $"domain \"{domainTok.Text}\" appears twice in the opset list");
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RBrace, "'}' after the opset list");
        return result;
    }

    private void ParseMetadata(Graph g)
    {
        Next(); // metadata
        Expect(TokenKind.LBrace, "'{'");
        if (!At(TokenKind.RBrace))
        {
            do
            {
                var keyTok = ExpectName("a metadata key");
                Expect(TokenKind.Equals, "'='");
                var valueTok = Expect(TokenKind.String, "a quoted metadata value");
                if (!g.Metadata.TryAdd(keyTok.Text, valueTok.Text))
                    throw Error(keyTok, $"metadata key '{keyTok.Text}' appears twice");
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RBrace, "'}' after the metadata");
    }

    /// <summary>A line that starts with results: a constant or a node.</summary>
    private void ParseDefinition(Graph g)
    {
        var results = new List<Token>();
        do
        {
            var t = Next();
            if (t.Kind is not (TokenKind.ValueName or TokenKind.Underscore))
                throw Error(t, $"expected a result name (%name or _), found {t.Describe()}");
            results.Add(t);
        } while (Accept(TokenKind.Comma));
        Expect(TokenKind.Equals, "'=' after the results");
        if (AtKeyword("constant") && Peek(1).Kind == TokenKind.Colon)
        {
            var kw = Next();
            if (results.Count != 1 || results[0].Kind != TokenKind.ValueName)
                throw Error(kw, "a constant defines exactly one named value");
            Next(); // ':'
            var typeTok = Current;
            var type = ParseValueType();
            if (type is not TensorType tt) throw Error(typeTok, "a constant must have a tensor type");
            var data = ParseTensorData(tt, typeTok);
            var v = new Value(results[0].Text, data.Type, data);
            Define(results[0], v);
            g.Constants.Add(v);
            return;
        }
        ParseNode(g, results);
    }

    private void ParseNode(Graph g, List<Token> results)
    {
        var opTok = ExpectName("an op type");
        string domain = "", opType = opTok.Text;
        if (Accept(TokenKind.DoubleColon))
        {
            domain = opTok.Text;
            opType = ExpectName("an op type after '::'").Text;
        }
        Expect(TokenKind.LParen, "'(' and the op's inputs");
        var inputs = new List<Value?>();
        if (!At(TokenKind.RParen))
        {
            do
            {
                var t = Next();
                if (t.Kind == TokenKind.Underscore) inputs.Add(null);
                else if (t.Kind == TokenKind.ValueName) inputs.Add(Use(t));
                else throw Error(t, $"expected an input (%name or _), found {t.Describe()}");
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RParen, "')' after the inputs");

        var attributes = new List<Attribute>();
        if (At(TokenKind.LBrace))
        {
            Next();
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (!At(TokenKind.RBrace))
            {
                do
                {
                    var nameTok = ExpectName("an attribute name");
                    if (!names.Add(nameTok.Text)) throw Error(nameTok, $"attribute '{nameTok.Text}' appears twice");
                    Expect(TokenKind.Equals, "'=' and the attribute's value");
                    attributes.Add(ParseAttribute(nameTok.Text, g));
                } while (Accept(TokenKind.Comma));
            }
            Expect(TokenKind.RBrace, "'}' after the attributes");
        }

        var types = new List<(Token Tok, bool Omitted, Core.ValueType? Type)>();
        if (Accept(TokenKind.Colon))
        {
            do
            {
                var t = Current;
                if (Accept(TokenKind.Underscore)) types.Add((t, true, null));
                else types.Add((t, false, ParseValueType()));
            } while (Accept(TokenKind.Comma));
            if (types.Count != results.Count)
                throw Error(types[0].Tok, $"{types.Count} result types for {results.Count} results");
        }

        string name = "";
        if (AtKeyword("loc") && Peek(1).Kind == TokenKind.LParen && Peek(2).Kind == TokenKind.String)
        {
            Next();
            Next();
            name = Next().Text;
            Expect(TokenKind.RParen, "')' after the node name");
        }

        var outputs = new Value?[results.Count];
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (types.Count > 0 && types[i].Omitted != (r.Kind == TokenKind.Underscore))
                throw Error(types[i].Tok, r.Kind == TokenKind.Underscore
                    ? "an omitted result (_) has the type _"
                    : $"result %{r.Text} needs a type (_ is for omitted results)");
            if (r.Kind == TokenKind.Underscore) continue;
            var v = new Value(r.Text, types.Count > 0 ? types[i].Type : null);
            outputs[i] = Define(r, v);
        }
        g.Nodes.Add(new Node(opType, inputs, outputs, attributes, domain, name));
    }

    // ---- attributes --------------------------------------------------------------------------------------

    private Attribute ParseAttribute(string name, Graph g)
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number:
            {
                Next();
                string? suffix = ParseScalarSuffix();
                if (suffix is null) return IsFloatLiteral(t) ? Attribute.Of(name, ToFloat(t)) : Attribute.Of(name, ToInt(t));
                return suffix == "f32" ? Attribute.Of(name, ToFloat(t)) : Attribute.Of(name, ToInt(t));
            }
            case TokenKind.String:
                Next();
                return Attribute.Of(name, t.Text);
            case TokenKind.LBracket:
                return ParseListAttribute(name, g);
            case TokenKind.Identifier:
                switch (t.Text)
                {
                    case "inf":
                    case "nan":
                        Next();
                        if (ParseScalarSuffix() is "i64") throw Error(t, $"'{t.Text}' is not an integer");
                        return Attribute.Of(name, ToFloat(t));
                    case "dense":
                    case "dense_resource":
                        return Attribute.Of(name, ParseTensorLiteral());
                    case "graph":
                        return Attribute.Of(name, ParseGraph(g));
                    case "type":
                        return new Attribute(name, AttributeKind.Type, ParseTypeLiteral()!);
                }
                break;
        }
        throw Error(t, $"expected an attribute value, found {t.Describe()}");
    }

    /// <summary>An optional <c>: i64</c> or <c>: f32</c> after a scalar attribute.</summary>
    private string? ParseScalarSuffix()
    {
        if (!At(TokenKind.Colon)) return null;
        Next();
        var t = Expect(TokenKind.Identifier, "i64 or f32");
        if (t.Text is not ("i64" or "f32")) throw Error(t, $"a scalar attribute is i64 or f32, not '{t.Text}'");
        return t.Text;
    }

    private Attribute ParseListAttribute(string name, Graph g)
    {
        Enter();
        Next(); // '['
        var items = new List<(Token Tok, object Item)>();
        if (!At(TokenKind.RBracket))
        {
            do
            {
                var t = Current;
                object item = t.Kind switch
                {
                    TokenKind.Number or TokenKind.String => Next(),
                    TokenKind.Identifier when t.Text is "inf" or "nan" => Next(),
                    TokenKind.Identifier when t.Text is "dense" or "dense_resource" => ParseTensorLiteral(),
                    TokenKind.Identifier when t.Text == "graph" => ParseGraph(g),
                    TokenKind.Identifier when t.Text == "type" => (object?)ParseTypeLiteral() ?? NullType.Instance,
                    _ => throw Error(t, $"expected a list element, found {t.Describe()}"),
                };
                items.Add((t, item));
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RBracket, "']' to close the list");
        Expect(TokenKind.Colon, "': kind[]' after the list (i64[], f32[], str[], tensor[], graph[] or type[])");
        var kindTok = Expect(TokenKind.Identifier, "the list's element kind");
        Expect(TokenKind.LBracket, "'[]' after the element kind");
        Expect(TokenKind.RBracket, "']'");
        Leave();

        T[] All<T>(Func<Token, object, T> convert)
        {
            var r = new T[items.Count];
            for (int i = 0; i < r.Length; i++) r[i] = convert(items[i].Tok, items[i].Item);
            return r;
        }
        Token NumberItem(Token tok, object item, string what) =>
            item is Token { Kind: TokenKind.Number or TokenKind.Identifier } n ? n : throw Error(tok, $"expected {what} in a {kindTok.Text}[] list");

        return kindTok.Text switch
        {
            "i64" => Attribute.Of(name, All((tok, item) =>
            {
                var n = NumberItem(tok, item, "an integer");
                return n.Kind == TokenKind.Number && !IsFloatLiteral(n) ? ToInt(n) : throw Error(tok, "expected an integer in an i64[] list");
            })),
            "f32" => Attribute.Of(name, All((tok, item) => ToFloat(NumberItem(tok, item, "a number")))),
            "str" => Attribute.Of(name, All((tok, item) =>
                item is Token { Kind: TokenKind.String } s ? s.Text : throw Error(tok, "expected a string in a str[] list"))),
            "tensor" => new Attribute(name, AttributeKind.Tensors, All((tok, item) =>
                item as Tensor ?? throw Error(tok, "expected dense<…> : type in a tensor[] list"))),
            "graph" => new Attribute(name, AttributeKind.Graphs, All((tok, item) =>
                item as Graph ?? throw Error(tok, "expected a graph in a graph[] list"))),
            "type" => new Attribute(name, AttributeKind.Types, All((tok, item) =>
                item is Core.ValueType vt ? vt : item is NullType ? null! : throw Error(tok, "expected type<…> in a type[] list"))),
            _ => throw Error(kindTok, $"unknown list kind '{kindTok.Text}' (use i64, f32, str, tensor, graph or type)"),
        };
    }

    /// <summary>Marks <c>type&lt;?&gt;</c> inside a list while the list's kind is not yet known.</summary>
    private sealed class NullType { public static readonly NullType Instance = new(); }

    private Core.ValueType? ParseTypeLiteral()
    {
        Next(); // type
        Expect(TokenKind.Less, "'<' after 'type'");
        var t = ParseValueType();
        Expect(TokenKind.Greater, "'>' to close type<…>");
        return t;
    }

    /// <summary><c>dense&lt;…&gt; : f32[2,3]</c> or <c>dense_resource&lt;elided&gt; : f32[2,3]</c>.</summary>
    private Tensor ParseTensorLiteral()
    {
        var dataStart = _pos;
        SkipTensorData();
        Expect(TokenKind.Colon, "': type' after the tensor data");
        var typeTok = Current;
        var type = ParseValueType();
        if (type is not TensorType tt) throw Error(typeTok, "a tensor literal must have a tensor type");
        int after = _pos;
        _pos = dataStart;
        var tensor = ParseTensorData(tt, typeTok);
        _pos = after;
        return tensor;
    }

    private void SkipTensorData()
    {
        var kw = Expect(TokenKind.Identifier, "dense<…> or dense_resource<elided>");
        Expect(TokenKind.Less, "'<'");
        int depth = 1;
        while (depth > 0)
        {
            var t = Next();
            if (t.Kind == TokenKind.EndOfInput) throw Error(kw, "unterminated tensor literal");
            if (t.Kind == TokenKind.Less) depth++;
            else if (t.Kind == TokenKind.Greater) depth--;
        }
    }

    /// <summary>Tensor data for a known type: <c>dense&lt;"0x…"&gt;</c>, <c>dense&lt;["a", "b"]&gt;</c>,
    /// <c>dense&lt;[1, 2.5]&gt;</c> or <c>dense_resource&lt;elided&gt;</c>.</summary>
    private Tensor ParseTensorData(TensorType type, Token typeTok)
    {
        if (type.ElementType == DataType.Undefined || type.ElementType.ClrType() is null)
            throw Error(typeTok, $"tensors of element type {TextSyntax.FormatType(type)} cannot hold data");
        if (type.Shape is null || !type.Shape.IsFullyKnown)
            throw Error(typeTok, $"tensor data needs a fully known shape, not {TextSyntax.FormatType(type)}");
        var shape = new int[type.Shape.Rank];
        long size = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = type.Shape[i].Value!.Value;
            if (d > int.MaxValue) throw Error(typeTok, $"dimension {d} is too large for a tensor");
            shape[i] = (int)d;
            size *= d;
            if (size > int.MaxValue) throw Error(typeTok, $"{TextSyntax.FormatType(type)} has too many elements for a tensor");
        }
        var et = type.ElementType;

        var kw = Expect(TokenKind.Identifier, "dense<…> or dense_resource<elided>");
        if (kw.Text == "dense_resource")
        {
            Expect(TokenKind.Less, "'<'");
            var res = Expect(TokenKind.Identifier, "elided");
            if (res.Text != "elided") throw Error(res, $"unknown resource '{res.Text}' (only dense_resource<elided> is known)");
            Expect(TokenKind.Greater, "'>'");
            if (size > MaxElidedElements) throw Error(kw, $"elided tensor of {size} elements is too large to zero-fill");
            return TensorFactory.Create(et, shape);
        }
        if (kw.Text != "dense") throw Error(kw, $"expected dense<…> or dense_resource<elided>, found '{kw.Text}'");
        Expect(TokenKind.Less, "'<' after dense");
        Tensor result;
        if (At(TokenKind.String))
        {
            var hexTok = Next();
            if (et == DataType.String) throw Error(hexTok, "string tensors are written as a list: dense<[\"a\", \"b\"]>");
            if (!hexTok.Text.StartsWith("0x", StringComparison.Ordinal))
                throw Error(hexTok, "tensor bytes are written as a hex string starting with 0x");
            byte[] bytes;
            try { bytes = Convert.FromHexString(hexTok.Text.AsSpan(2)); }
            catch (FormatException) { throw Error(hexTok, "invalid hex digits in tensor data"); }
            try { result = TensorText.FromBytes(et, shape, bytes); }
            catch (StrataException e) { throw Error(hexTok, e.Message); }
        }
        else
        {
            var open = Expect(TokenKind.LBracket, "a hex string or a list of elements");
            var items = new List<Token>();
            if (!At(TokenKind.RBracket))
            {
                do items.Add(Next()); while (Accept(TokenKind.Comma));
            }
            Expect(TokenKind.RBracket, "']'");
            if (items.Count != size)
                throw Error(open, $"{TextSyntax.FormatType(type)} has {size} elements, the list has {items.Count}");
            result = BuildFromList(et, shape, items);
        }
        Expect(TokenKind.Greater, "'>' to close dense<…>");
        return result;
    }

    private Tensor BuildFromList(DataType et, int[] shape, List<Token> items)
    {
        if (et == DataType.String)
        {
            var s = new string[items.Count];
            for (int i = 0; i < s.Length; i++)
                s[i] = items[i].Kind == TokenKind.String ? items[i].Text : throw Error(items[i], "expected a string");
            return new Tensor<string>(s, shape);
        }
        foreach (var t in items)
            if (t.Kind is not (TokenKind.Number or TokenKind.Identifier) || (t.Kind == TokenKind.Identifier && t.Text is not ("inf" or "nan" or "true" or "false")))
                throw Error(t, $"expected a number, found {t.Describe()}");
        if (et == DataType.Int64)
        {
            var l = new long[items.Count];
            for (int i = 0; i < l.Length; i++) l[i] = ToInt(items[i]);
            return new Tensor<long>(l, shape);
        }
        var d = new double[items.Count];
        for (int i = 0; i < d.Length; i++)
            d[i] = items[i].Text switch
            {
                "true" => 1,
                "false" => 0,
                _ => IsFloatLiteral(items[i]) || items[i].Kind == TokenKind.Identifier ? ToDouble(items[i]) : ToInt(items[i]),
            };
        try { return TensorConvert.FromDoubles(et, d, shape); }
        catch (StrataException e) { throw Error(items[0], $"{e.Message}; write {et.ShortName()} data as a hex string"); }
    }

    // ---- types -------------------------------------------------------------------------------------------

    private Core.ValueType? ParseValueType()
    {
        Enter();
        var t = Next();
        Core.ValueType? result;
        if (t.Kind == TokenKind.Question)
        {
            result = At(TokenKind.LBracket) ? new TensorType(DataType.Undefined, ParseShape()) : null;
        }
        else if (t.Kind == TokenKind.Identifier && t.Text is "seq" or "opt")
        {
            Expect(TokenKind.Less, $"'<' after {t.Text}");
            var inner = ParseValueType();
            Expect(TokenKind.Greater, $"'>' to close {t.Text}<…>");
            result = t.Text == "seq" ? new SequenceType(inner!) : new OptionalType(inner!);
        }
        else if (t.Kind == TokenKind.Identifier && DataTypes.TryParse(t.Text, out var et))
        {
            if (!At(TokenKind.LBracket)) throw Error(Current, $"expected a shape after {t.Text} (e.g. {t.Text}[2,3], {t.Text}[] or {t.Text}[*])");
            result = new TensorType(et, ParseShape());
        }
        else
        {
            throw Error(t, $"expected a type (f32[2,3], seq<…>, opt<…> or ?), found {t.Describe()}");
        }
        Leave();
        return result;
    }

    private Shape? ParseShape()
    {
        Expect(TokenKind.LBracket, "'['");
        if (Accept(TokenKind.Star))
        {
            Expect(TokenKind.RBracket, "']' after '*'");
            return null;
        }
        var dims = new List<Dim>();
        if (!At(TokenKind.RBracket))
        {
            do
            {
                var t = Next();
                switch (t.Kind)
                {
                    case TokenKind.Number:
                        if (!long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                            throw Error(t, $"a dimension is a non-negative integer, a symbol or ?, not {t.Text}");
                        dims.Add(Dim.Of(v));
                        break;
                    case TokenKind.Question: dims.Add(Dim.Unknown); break;
                    case TokenKind.Identifier:
                    case TokenKind.String: dims.Add(Dim.Sym(t.Text)); break;
                    case TokenKind.Underscore: dims.Add(Dim.Sym("_")); break;
                    default: throw Error(t, $"expected a dimension, found {t.Describe()}");
                }
            } while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RBracket, "']' to close the shape");
        return Shape.Of(dims);
    }

    // ---- numbers -----------------------------------------------------------------------------------------

    private static bool IsHex(Token t) => t.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || t.Text.StartsWith("-0x", StringComparison.OrdinalIgnoreCase);

    private static bool IsFloatLiteral(Token t) =>
        t.Kind == TokenKind.Number && !IsHex(t) && (t.Text.Contains('.') || t.Text.Contains('e') || t.Text.Contains('E') || t.Text == "-inf");

    private long ToInt(Token t)
    {
        if (t.Kind != TokenKind.Number || IsFloatLiteral(t)) throw Error(t, $"expected an integer, found {t.Describe()}");
        bool neg = t.Text.StartsWith('-');
        string body = neg ? t.Text[1..] : t.Text;
        if (IsHex(t))
        {
            if (!ulong.TryParse(body.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong u))
                throw Error(t, $"hex literal {t.Text} is out of range");
            return neg ? -(long)u : (long)u;
        }
        if (!long.TryParse(t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            throw Error(t, $"integer {t.Text} is out of the i64 range");
        return v;
    }

    private float ToFloat(Token t)
    {
        if (t.Kind == TokenKind.Number && IsHex(t))
        {
            if (t.Text.StartsWith('-') || !uint.TryParse(t.Text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits))
                throw Error(t, $"a float written in hex is its 32 bits (0x00000000–0xFFFFFFFF), not {t.Text}");
            return BitConverter.UInt32BitsToSingle(bits);
        }
        return (float)ToDouble(t, single: true);
    }

    private double ToDouble(Token t, bool single = false)
    {
        switch (t.Text)
        {
            case "inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
            case "nan": return double.NaN;
        }
        if (t.Kind != TokenKind.Number) throw Error(t, $"expected a number, found {t.Describe()}");
        if (IsHex(t)) return ToInt(t);
        // Parse floats directly as float so the shortest round-trip text gives back the same bits.
        if (single) return float.Parse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.Parse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    // ---- scopes ------------------------------------------------------------------------------------------

    /// <summary>Names defined in one graph, plus uses seen before their definition.</summary>
    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;
        public Dictionary<string, Value> Defined { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (Value Placeholder, Token FirstUse)> Pending { get; } = new(StringComparer.Ordinal);

        public bool IsPending(Value v)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Pending.TryGetValue(v.Name, out var p) && ReferenceEquals(p.Placeholder, v)) return true;
            return false;
        }

        /// <summary>Uses not defined in this graph may still be defined later in the enclosing graph.</summary>
        public void Close(GraphParser parser)
        {
            foreach (var (name, pending) in Pending)
            {
                if (Parent is null) throw parser.Error(pending.FirstUse, $"value %{name} is not defined");
                Parent.Pending.TryAdd(name, pending);
            }
        }
    }

    private Value Use(Token nameTok)
    {
        string name = nameTok.Text;
        for (var s = _scope; s is not null; s = s.Parent)
            if (s.Defined.TryGetValue(name, out var v)) return v;
        for (var s = _scope; s is not null; s = s.Parent)
            if (s.Pending.TryGetValue(name, out var p)) return p.Placeholder;
        var placeholder = new Value(name);
        _scope!.Pending[name] = (placeholder, nameTok);
        return placeholder;
    }

    /// <summary>Defines <paramref name="v"/> in the current graph; a placeholder from an earlier use becomes it.</summary>
    private Value Define(Token nameTok, Value v)
    {
        var scope = _scope!;
        if (scope.Defined.ContainsKey(nameTok.Text))
            throw Error(nameTok, $"value %{nameTok.Text} is defined twice in this graph");
        if (scope.Pending.Remove(nameTok.Text, out var p))
        {
            p.Placeholder.Type = v.Type;
            p.Placeholder.Constant = v.Constant;
            v = p.Placeholder;
        }
        scope.Defined[nameTok.Text] = v;
        return v;
    }

    // ---- tokens ------------------------------------------------------------------------------------------

    private Token Current => _tokens[_pos];
    private Token Peek(int ahead) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];
    private Token Next()
    {
        var t = _tokens[_pos];
        if (_pos < _tokens.Count - 1) _pos++;
        return t;
    }
    private bool At(TokenKind kind) => Current.Kind == kind;
    private bool AtKeyword(string word) => Current.Kind == TokenKind.Identifier && Current.Text == word;
    private bool Accept(TokenKind kind)
    {
        if (!At(kind)) return false;
        Next();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (!At(kind)) throw Error(Current, $"expected {what}, found {Current.Describe()}");
        return Next();
    }

    private void ExpectKeyword(string word)
    {
        if (!AtKeyword(word)) throw Error(Current, $"expected '{word}', found {Current.Describe()}");
        Next();
    }

    /// <summary>An identifier or a quoted string (op types, attribute names, domains, metadata keys).</summary>
    private Token ExpectName(string what)
    {
        if (Current.Kind is TokenKind.Identifier or TokenKind.String) return Next();
        throw Error(Current, $"expected {what}, found {Current.Describe()}");
    }

    private void Enter()
    {
        if (++_depth > MaxNesting) throw Error(Current, $"nesting deeper than {MaxNesting} levels");
    }

    private void Leave() => _depth--;

    private StrataException Error(Token at, string message) =>
        new(ErrorCode.ParseError, message, "fix the text at that position", at.Location);
}
