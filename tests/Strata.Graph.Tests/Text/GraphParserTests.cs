using System.Text.RegularExpressions;
using CsCheck;
using Strata.Core;
using Strata.Graph.Text;

namespace Strata.Graph.Tests.Text;

public sealed class GraphParserTests
{
    private static string RoundTrip(string text) => GraphPrinter.Print(GraphParser.Parse(text));

    [Fact]
    public void HandWrittenTextPrintsCanonically()
    {
        const string text = """
            # a comment line
            graph @g(%x: f32[2]) -> (%y: f32[2]) {   # default opset when none is given
              %s = constant : i64[2] dense<[3, -1]>
              %f = constant : f32[2] dense<[1, 2.5]>
              %t = Neg(%x)            # no result type: unknown
              %y = Add(%t, %f)        # no result type: taken from the graph's output
              return %y
            }
            """;
        var g = GraphParser.Parse(text);
        Assert.Equal(OpsetDefaults.Latest, g.Opset());
        Assert.Equal([3L, -1L], g.Constants[0].Constant!.As<long>().ToArray());
        Assert.Equal([1f, 2.5f], g.Constants[1].Constant!.As<float>().ToArray());
        Assert.Null(g.Nodes[0].Outputs[0]!.Type);
        Assert.Equal("f32[2]", g.Nodes[1].Outputs[0]!.Type!.ToString());
        Assert.Equal($$"""
            graph @g(%x: f32[2]) -> (%y: f32[2]) opset {"": {{OpsetDefaults.Latest}}} {
              %s = constant : i64[2] dense<"0x0300000000000000FFFFFFFFFFFFFFFF">
              %f = constant : f32[2] dense<"0x0000803F00002040">
              %t = Neg(%x) : ?
              %y = Add(%t, %f) : f32[2]
              return %y
            }

            """, GraphPrinter.Print(g));
    }

    [Fact]
    public void OuterValuesInSubgraphsAreTheSameObjects()
    {
        var g = GraphParser.Parse(Golden.Read("subgraph_if"));
        var x = g.Inputs[1];
        var then = g.Nodes.Single(n => n.OpType == "If").Attr("then_branch")!.AsGraph();
        Assert.Same(x, then.Nodes[0].Inputs[0]);
        var relu = then.Nodes[0].Outputs[0];
        var innerThen = then.Nodes[1].Attr("then_branch")!.AsGraph();
        Assert.Same(relu, innerThen.Nodes[0].Inputs[0]);
        Assert.Same(then.Nodes[0], relu!.Producer);
        Assert.Equal(g.OpsetImports, then.OpsetImports);
    }

    [Fact]
    public void ForwardReferencesParseAndKeepTheirOrder()
    {
        const string text = """
            graph @g(%x: f32[2]) -> (%z: f32[2]) opset {"": 20} {
              %z = Relu(%y) : f32[2]
              %y = Neg(%x) : f32[2]
              return %z
            }
            """;
        var g = GraphParser.Parse(text);
        Assert.Same(g.Nodes[1].Outputs[0], g.Nodes[0].Inputs[0]);
        Assert.Equal(text + "\n", RoundTrip(text));
    }

    [Fact]
    public void ElidedDataParsesAsZeros()
    {
        var g = GraphParser.Parse("""
            graph @g() -> (%w: f32[2,2], %s: str[2]) {
              %w = constant : f32[2,2] dense_resource<elided>
              %s = constant : str[2] dense_resource<elided>
              return %w, %s
            }
            """);
        Assert.Equal(new float[4], g.Constants[0].Constant!.As<float>().ToArray());
        Assert.Equal(["", ""], g.Constants[1].Constant!.As<string>().ToArray());
    }

    [Fact]
    public void ScalarAttributesMayCarryTheirType()
    {
        var g = GraphParser.Parse("""
            graph @g(%x: f32[2]) -> (%y: f32[2]) {
              %y = Foo(%x) {a = 1 : i64, b = 2 : f32, c = 0x7FC00001 : f32, d = 0x10, e = nan, f = -inf} : f32[2]
              return %y
            }
            """);
        var n = g.Nodes[0];
        Assert.Equal(1L, n.Attr("a")!.AsInt());
        Assert.Equal(AttributeKind.Float, n.Attr("b")!.Kind);
        Assert.Equal(0x7FC00001u, BitConverter.SingleToUInt32Bits(n.Attr("c")!.AsFloat()));
        Assert.Equal(16L, n.Attr("d")!.AsInt());
        Assert.True(float.IsNaN(n.Attr("e")!.AsFloat()));
        Assert.Equal(float.NegativeInfinity, n.Attr("f")!.AsFloat());
    }

    public static TheoryData<string, string, string> Malformed() => new()
    {
        { "graph @g() -> () {\n  return\n", "line 3, col 1", "expected '}'" },
        { "graph @g(%x: f32[2]) -> (%y: f32[2]) {\n  %y = Relu(%q) : f32[2]\n  return %y\n}", "line 2, col 13", "%q is not defined" },
        { "graph @g(%x: f32[2]) -> (%y: f32[2]) {\n  %y = Relu(%x) : f32[2]\n  %y = Relu(%x) : f32[2]\n  return %y\n}", "line 3, col 3", "defined twice" },
        { "graph @g(%x: f33[2]) -> () {\n  return\n}", "line 1, col 14", "expected a type" },
        { "graph @g(%x: f32[2) -> () {\n  return\n}", "line 1, col 19", "expected ']'" },
        { "graph @g() -> (%w: f32[2]) {\n  %w = constant : f32[2] dense<\"0x0000\">\n  return %w\n}", "line 2, col 32", "needs 8 bytes" },
        { "graph @g() -> (%w: f32[2]) {\n  %w = constant : f32[2] dense<\"0xZZ\">\n  return %w\n}", "line 2, col 32", "invalid hex" },
        { "graph @g() -> () {\n  %a = Foo() {x = \"unterminated} : f32[2]\n  return\n}", "line 2, col 19", "newline in string" },
        { "graph @g() -> () {\n  %a = Foo() {x = [1, 2]} : f32[2]\n  return\n}", "line 2, col 25", "': kind[]'" },
        { "graph @g() -> () {\n  %a = Foo() {x = [1.5] : i64[]} : f32[2]\n  return\n}", "line 2, col 20", "expected an integer" },
        { "graph @g() -> () {\n  %a = Foo() {x = 99999999999999999999} : f32[2]\n  return\n}", "line 2, col 19", "out of the i64 range" },
        { "graph @g() -> () {\n  %a, %b = Foo() : f32[2]\n  return\n}", "line 2, col 20", "1 result types for 2 results" },
        { "graph @g() -> (%a: f32[3]) {\n  %a = Foo() : f32[2]\n  return %a\n}", "line 1, col 16", "declared f32[3]" },
        { "graph @g() -> (%a: f32[2]) {\n  %a = Foo() : f32[2]\n  return\n}", "line 3, col 3", "0 values" },
        { "graph @g() -> () {\n  return\n} extra", "line 3, col 3", "end of input" },
        { "graph @g() -> () {\n  %a = Foo() {k = 1, k = 2} : f32[2]\n  return\n}", "line 2, col 22", "appears twice" },
        { "graph @g() -> () {\n  %a = Foo() : f32[2x3]\n  return\n}", "line 2, col 21", "after a number" },
        { "graph @g() -> () {\n  %w = constant : f32[3000000000] dense_resource<elided>\n  return\n}", "line 2, col 19", "too large" },
        { "", "line 1, col 1", "expected 'graph'" },
        { "graph @g() -> () {\n  %x = Foo() : " + string.Concat(Enumerable.Repeat("seq<", 500)) + "f32[]", "line 2, col", "nesting deeper" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedTextGivesParseErrorWithPosition(string text, string location, string message)
    {
        var e = Assert.Throws<StrataException>(() => GraphParser.Parse(text));
        Assert.Equal(ErrorCode.ParseError, e.Code);
        Assert.StartsWith(location, e.Location);
        Assert.Contains(message, e.Message);
    }

    private static readonly Regex LocationPattern = new(@"^line \d+, col \d+$");

    /// <summary>Random mutations and truncations of valid text: the parser either accepts the text (and then
    /// its print round-trips) or reports a ParseError with a position; it never throws anything else.
    /// STRATA_FUZZ_ITERATIONS and STRATA_FUZZ_SEED run it longer or differently.</summary>
    [Fact]
    public void MutatedTextNeverCrashesTheParser()
    {
        var sources = Golden.All().Select(Golden.Read).ToArray();
        const string alphabet = "%@\"{}[]()<>,:=_?*-#0123456789.exfi \n\\abc";
        Random rng;
        int accepted = 0;
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("STRATA_FUZZ_ITERATIONS"), out int n) ? n : 3000;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("STRATA_FUZZ_SEED"), out int s) ? s : 1234;
        rng = new Random(seed);
        for (int iter = 0; iter < iterations; iter++)
        {
            string text = sources[rng.Next(sources.Length)];
            int edits = 1 + rng.Next(3);
            for (int k = 0; k < edits && text.Length > 0; k++)
            {
                int p = rng.Next(text.Length);
                text = rng.Next(8) switch
                {
                    5 => DeleteLine(text, rng),
                    6 => DuplicateLine(text, rng),
                    7 => SwapLines(text, rng),
                    0 => text[..p],                                                     // truncate
                    1 => text.Remove(p, Math.Min(1 + rng.Next(4), text.Length - p)),    // delete
                    2 => text.Insert(p, alphabet[rng.Next(alphabet.Length)].ToString()), // insert
                    3 => text[..p] + alphabet[rng.Next(alphabet.Length)] + text[(p + 1)..], // replace
                    _ => text.Insert(p, Chunk(text, rng.Next(text.Length))),          // duplicate a chunk
                };
            }
            try
            {
                string printed = RoundTrip(text);
                Assert.Equal(printed, RoundTrip(printed));
                accepted++;
            }
            catch (StrataException e) when (e.Code == ErrorCode.ParseError)
            {
                Assert.Matches(LocationPattern, e.Location ?? "");
            }
        }
        Assert.True(accepted > 0, "some mutations (e.g. inside strings) should still parse");
    }

    [Fact]
    public void FloatAttributesRoundTripBitExactly()
    {
        Gen.UInt.Sample(bits =>
        {
            float f = BitConverter.UInt32BitsToSingle(bits);
            var g = OneNode(Attribute.Of("f", f), Attribute.Of("fs", new[] { f, 1f }));
            var back = GraphParser.Parse(GraphPrinter.Print(g)).Nodes[0];
            Assert.Equal(bits, BitConverter.SingleToUInt32Bits(back.Attr("f")!.AsFloat()));
            Assert.Equal(bits, BitConverter.SingleToUInt32Bits(back.Attr("fs")!.AsFloats()[0]));
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void StringsRoundTripExactly()
    {
        Gen.Char.Array[0, 12].Select(cs => new string(cs)).Sample(s =>
        {
            var g = OneNode(Attribute.Of("s", s), Attribute.Of("ss", new[] { s }));
            g.Metadata[s] = s;
            g.Nodes[0].Name = s;
            g.Inputs[0].Name = s + "x";
            var back = GraphParser.Parse(GraphPrinter.Print(g));
            Assert.Equal(s, back.Nodes[0].Attr("s")!.AsString());
            Assert.Equal(s, back.Nodes[0].Attr("ss")!.AsStrings()[0]);
            Assert.Equal(s, back.Metadata[s]);
            Assert.Equal(s, back.Nodes[0].Name);
            Assert.Equal(s + "x", back.Inputs[0].Name);
        }, iter: 1000, threads: 1);
    }

    [Theory]
    [InlineData("f32[128,768]")]
    [InlineData("f32[batch,?]")]
    [InlineData("f32[*]")]
    [InlineData("f32[]")]
    [InlineData("?")]
    [InlineData("?[2]")]
    [InlineData("seq<opt<i64[\"a b\",3]>>")]
    [InlineData("opt<?>")]
    [InlineData("f8e4m3fnuz[0]")]
    [InlineData("c64[2]")]
    public void TypesRoundTrip(string text) => Assert.Equal(text, TextSyntax.FormatType(GraphParser.ParseType(text)));

    private static string DeleteLine(string text, Random rng)
    {
        var lines = text.Split('\n').ToList();
        lines.RemoveAt(rng.Next(lines.Count));
        return string.Join('\n', lines);
    }

    private static string DuplicateLine(string text, Random rng)
    {
        var lines = text.Split('\n').ToList();
        int i = rng.Next(lines.Count);
        lines.Insert(rng.Next(lines.Count), lines[i]);
        return string.Join('\n', lines);
    }

    private static string SwapLines(string text, Random rng)
    {
        var lines = text.Split('\n');
        int i = rng.Next(lines.Length), j = rng.Next(lines.Length);
        (lines[i], lines[j]) = (lines[j], lines[i]);
        return string.Join('\n', lines);
    }

    private static string Chunk(string text, int start) => text.Substring(start, Math.Min(12, text.Length - start));

    private static Graph OneNode(params Attribute[] attributes)
    {
        var g = new Graph("g");
        var x = new Value("x", new TensorType(DataType.Float32, Shape.Of(2)));
        g.Inputs.Add(x);
        var y = new Value("y", x.Type);
        g.Nodes.Add(new Node("Foo", [x], [y], attributes));
        g.Outputs.Add(y);
        return g;
    }
}
