using System.Collections.Immutable;
using CsCheck;
using Strata.Core;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Text;

public class TileTextTests
{
    public static ImmutableArray<Knob> MlpKnobs { get; } =
    [
        new("block.m", ["1", "2", "4", "6", "12", "24", "48", "64", "128"], "rows of the output block"),
        new("block.n", ["16", "32", "64", "128", "256", "512"], ""),
        new("micro", ["4x16", "6x16", "8x8", "4x24", "1x32"], "register tile (rows x lanes), legal if it fits the target's registers"),
        new("order", ["m-n-k", "n-m-k"], ""),
        new("parallel", ["m", "n", "m*n"], ""),
    ];

    public static Config MlpConfig { get; } = Config.Parse("{block.m = 48, block.n = 256, micro = 6x16, order = m-n-k, parallel = m*n}");

    /// <summary>A kernel with every kind of expression and constant, and names that need quoting.</summary>
    public static TileKernel Zoo()
    {
        var i = Expr.Var("i");
        var q = Expr.Var("two words");
        return new TileKernel("zoo/1",
            [new TileBuffer("x", DataType.Float16, [4, 3], BufferRole.Input), new TileBuffer("a b", DataType.Int32, [3], BufferRole.Input)],
            [new TileBuffer("out", DataType.Float32, [4, 3], BufferRole.Output), new TileBuffer("s", DataType.Float64, [], BufferRole.Output)],
            [new TileBuffer("mask", DataType.Bool, [4], BufferRole.Temp)],
            [new Axis("i", 4), new Axis("two words", 3), new Axis("true", 4), new Axis("r", 3)],
            [
                new Computation("mask", ["i"], null, new Binary(BinaryOp.Or,
                    new Unary(UnaryOp.IsNaN, new Load("x", [i, Expr.Index(0)], DataType.Float16)), new Constant(Scalar.Bool(false), DataType.Bool))),
                new Computation("out", ["i", "two words"], null, new Select(new Load("mask", [i], DataType.Bool),
                    Constant.Of(double.NegativeInfinity, DataType.Float32),
                    new Binary(BinaryOp.Add,
                        new Cast(new Load("x", [i, new Binary(BinaryOp.Mod, q + 4, Expr.Index(3))], DataType.Float16), DataType.Float32),
                        new Binary(BinaryOp.Mul, Constant.Of(0.1, DataType.Float32),
                            new Cast(new Binary(BinaryOp.Shl, new Load("a b", [q], DataType.Int32), Constant.Of(-3, DataType.Int32)), DataType.Float32))))),
                new Computation("s", [], new Reduction(ReduceOp.Prod, ["true", "r"]), new Binary(BinaryOp.Pow,
                    new Cast(new Load("out", [Expr.Var("true"), Expr.Var("r")], DataType.Float32), DataType.Float64),
                    new Binary(BinaryOp.Max, Constant.Of(1e-300, DataType.Float64), Constant.Of(double.NaN, DataType.Float64)))),
            ]);
    }

    public static IEnumerable<(string Name, TileKernel Kernel, ImmutableArray<Knob> Knobs, Config? Config)> Samples()
    {
        yield return ("mlp", SampleKernels.Mlp(), MlpKnobs, MlpConfig);
        yield return ("matmul", SampleKernels.MatMul(4, 5, 6), [], null);
        yield return ("softmax", SampleKernels.Softmax(8, 32), [], null);
        yield return ("view_transpose_reshape", SampleKernels.TransposeReshape(), [], null);
        yield return ("pad", SampleKernels.Pad(3, 4, 0.5f), [], Config.Empty);
        yield return ("argmax", SampleKernels.ArgMax(6, 7), [], null);
        yield return ("zoo", Zoo(), [new Knob("vector", ["none", "i"], "")], null);
    }

    public static TheoryData<string> SampleNames() => [.. Samples().Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Printed_sample_matches_golden(string name)
    {
        var s = Samples().Single(x => x.Name == name);
        Golden.Check("print_" + name, TilePrinter.Print(s.Kernel, s.Knobs, s.Config));
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Sample_round_trips_structurally(string name)
    {
        var s = Samples().Single(x => x.Name == name);
        var parsed = TileParser.Parse(TilePrinter.Print(s.Kernel, s.Knobs, s.Config));
        Assert.Equal(s.Kernel, parsed.Kernel);
        Assert.Equal<Knob>(s.Knobs, parsed.Knobs);
        Assert.Equal(s.Knobs.Select(k => k.Description), parsed.Knobs.Select(k => k.Description));
        Assert.Equal(s.Config, parsed.Config);
    }

    public static TheoryData<string> GoldenFiles() => [.. Golden.All()];

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void Every_golden_file_is_a_fixed_point_of_parse_then_print(string name)
    {
        string text = Golden.Read(name);
        if (!text.StartsWith("tile.kernel", StringComparison.Ordinal)) return; // golden files of other checks
        var p = TileParser.Parse(text);
        Assert.Equal(text, TilePrinter.Print(p.Kernel, p.Knobs, p.Config));
    }

    [Fact]
    public void Hand_written_text_with_comments_and_shared_axes_parses()
    {
        const string text = """
            # the MLP kernel of IR-EXAMPLES.md
            tile.kernel @mlp.k0(%x: f32[128,768], %w1: f32[768,3072], %b1: f32[3072]) -> (%out: f32[128,3072]) {
              temp %acc: f32[128,3072]
              domain m = 128, n = 3072
              reduce k = 768        # the contraction
              %acc[m, n] = sum[k] mul(%x[m, k], %w1[k, n])
              %out[m, n] = gelu(add(%acc[m, n], %b1[n]))
            }
            knobs @mlp.k0 {
              block.m   in {1, 2, 4, 6, 12, 24, 48, 64, 128}
              micro     in {4x16, 6x16, 8x8, 4x24, 1x32}       # register tile (rows x lanes)
              order     in {m-n-k, n-m-k}
              parallel  in {m, n, m*n}
            }
            config @mlp.k0 {block.m = 48, micro = 6x16, order = m-n-k, parallel = m*n}
            """;
        var p = TileParser.Parse(text);
        Assert.Equal(["m", "n", "k"], p.Kernel.Axes.Select(a => a.Name));
        Assert.Equal(2, p.Kernel.Computations.Length);
        Assert.Equal(new Reduction(ReduceOp.Sum, ["k"]), p.Kernel.Computations[0].Reduce);
        Assert.Equal(["4x16", "6x16", "8x8", "4x24", "1x32"], p.Knobs[1].Values.ToArray());
        Assert.Equal("register tile (rows x lanes)", p.Knobs[1].Description);
        Assert.Equal("", p.Knobs[0].Description);
        Assert.Equal("m*n", p.Config!["parallel"]);
        Golden.Check("parse_handwritten_mlp", TilePrinter.Print(p.Kernel, p.Knobs, p.Config));
    }

    [Fact]
    public void Max_is_a_binary_op_unless_followed_by_brackets()
    {
        var k = TileParser.ParseKernel("""
            tile.kernel @k(%x: f32[4]) -> (%o: f32[], %p: f32[4]) {
              reduce i = 4
              domain j = 4
              %o[] = max[i] %x[i]
              %p[j] = max(%x[j], 0.0 : f32)
            }
            """);
        Assert.Equal(ReduceOp.Max, k.Computations[0].Reduce!.Op);
        Assert.Null(k.Computations[1].Reduce);
        Assert.Equal(new Binary(BinaryOp.Max, new Load("x", [Expr.Var("j")], DataType.Float32), Constant.Of(0, DataType.Float32)), k.Computations[1].Body);
    }

    [Fact]
    public void Random_kernels_round_trip() =>
        Gen.Int.Sample(seed =>
        {
            var r = new Random(seed);
            var k = RandomKernels.Kernel(r, quotedNames: r.Next(2) == 0);
            string text = TilePrinter.Print(k);
            var back = TileParser.ParseKernel(text);
            Assert.Equal(text, TilePrinter.Print(back));
            Assert.Equal(k, back);
        }, iter: 300);

    [Theory]
    [InlineData("tile.kernel @k() -> () {\n  %o[i] = exp(1.5)\n}", 2, 3, "undeclared buffer")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = exp(1.5)\n}", 3, 15, "needs a type")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = frob(i)\n}", 3, 11, "unknown op 'frob'")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = exp(1.0 : f32, 2)\n}", 3, 24, "exp takes one operand")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4, i = 5\n}", 2, 17, "declared twice")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = %nope[i]\n}", 3, 11, "undeclared buffer %nope")]
    [InlineData("tile.kernel @k() -> (%o: q32[4]) {\n}", 1, 26, "element type")]
    [InlineData("tile.kernel @k() -> (%o: f32[-4]) {\n}", 1, 30, "non-negative")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = add(300 : i8, 1 : i8)\n}", 3, 15, "not a i8 value")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n}\nknobs @j {\n}", 3, 7, "follows kernel @k")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n}\nknobs @k {\n  a in {1 2}\n}", 4, 11, "expected ',' or '}'")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n}\nconfig @k {a = 1, a = 2}", 3, 11, "twice")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n}\ntile.kernel @k2() -> () {\n}", 3, 1, "end of the text")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = cast(1.0 : f32)\n}", 3, 15, "expected '<' after cast")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = \"unterminated\n}", 3, 11, "newline in string")]
    [InlineData("tile.kernel @k() -> (%o: f32[4]) {\n  domain i = 4\n  %o[i] = ", 3, 11, "expected an expression")]
    public void Parse_errors_carry_line_and_column(string text, int line, int col, string message)
    {
        var e = Assert.Throws<StrataException>(() => TileParser.Parse(text));
        Assert.Equal(ErrorCode.ParseError, e.Code);
        Assert.Equal($"line {line}, col {col}", e.Location);
        Assert.Contains(message, e.Message + " (" + e.Hint + ")");
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        string body = string.Concat(Enumerable.Repeat("neg(", 5000)) + "1.0 : f32" + new string(')', 5000);
        var e = Assert.Throws<StrataException>(() => TileParser.Parse($"tile.kernel @k() -> (%o: f32[]) {{\n  %o[] = {body}\n}}"));
        Assert.Equal(ErrorCode.ParseError, e.Code);
    }

    [Fact]
    public void Mutated_and_truncated_text_never_crashes_and_what_parses_round_trips()
    {
        var texts = Samples().Select(s => TilePrinter.Print(s.Kernel, s.Knobs, s.Config)).ToArray();
        const string alphabet = "%@[](){}<>,=:#\"-.0123456789 \nabcfikmnrstux_";
        Gen.Select(Gen.Int[0, texts.Length - 1], Gen.Int, Gen.Int[1, 4]).Sample((which, seed, edits) =>
        {
            var r = new Random(seed);
            var text = new System.Text.StringBuilder(texts[which]);
            for (int e = 0; e < edits && text.Length > 0; e++)
            {
                int at = r.Next(text.Length);
                switch (r.Next(4))
                {
                    case 0: text.Remove(at, 1); break;
                    case 1: text.Insert(at, alphabet[r.Next(alphabet.Length)]); break;
                    case 2: text.Length = at; break;
                    default: text[at] = alphabet[r.Next(alphabet.Length)]; break;
                }
            }
            ParsedKernel p;
            try { p = TileParser.Parse(text.ToString()); }
            catch (StrataException ex) when (ex.Code == ErrorCode.ParseError && ex.Location!.StartsWith("line ", StringComparison.Ordinal)) { return; }
            string printed = TilePrinter.Print(p.Kernel, p.Knobs, p.Config);
            var again = TileParser.Parse(printed);
            Assert.Equal(printed, TilePrinter.Print(again.Kernel, again.Knobs, again.Config));
        }, iter: 3000);
    }
}
