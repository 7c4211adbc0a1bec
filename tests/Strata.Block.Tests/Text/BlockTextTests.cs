using CsCheck;
using Strata.Block.Text;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block.Tests.Text;

public class BlockTextTests
{
    public static TheoryData<string> TextGoldens() => [.. Golden.All("text")];

    /// <summary>Hand-written files in golden/text are canonical: parsing and printing gives the same text back.</summary>
    [Theory]
    [MemberData(nameof(TextGoldens))]
    public void GoldenTextRoundTripsExactly(string name)
    {
        var text = Golden.Read(name);
        var kernel = BlockParser.Parse(text);
        Assert.Equal(text, BlockPrinter.Print(kernel));
        Assert.Equal(kernel, BlockParser.Parse(BlockPrinter.Print(kernel)));
    }

    [Fact]
    public void PrintsSampleKernels()
    {
        Golden.Check("print/copy", BlockPrinter.Print(SampleKernels.Copy(10, 7, 4, 4)));
        Golden.Check("print/add", BlockPrinter.Print(SampleKernels.AddBias(10, 7, 4, 8)));
        Golden.Check("print/matmul", BlockPrinter.Print(SampleKernels.Matmul(10, 7, 9, 4, 4, 4)));
        Golden.Check("print/softmax", BlockPrinter.Print(SampleKernels.Softmax(10, 7, 4, 8)));
    }

    [Fact]
    public void SampleKernelsRoundTrip()
    {
        foreach (var k in new[] { SampleKernels.Copy(10, 7, 4, 4), SampleKernels.AddBias(3, 3, 2, 2), SampleKernels.Matmul(10, 7, 9, 4, 4, 4), SampleKernels.Softmax(10, 7, 4, 8) })
        {
            var text = BlockPrinter.Print(k);
            var back = BlockParser.Parse(text);
            Assert.Equal(k, back);
            Assert.Equal(text, BlockPrinter.Print(back));
        }
    }

    [Fact]
    public void ParsedKernelRuns()
    {
        // The text form means what the records mean: a parsed copy kernel copies.
        var k = BlockParser.Parse(BlockPrinter.Print(SampleKernels.Copy(5, 3, 2, 2)));
        var data = Enumerable.Range(0, 15).Select(i => (float)i).ToArray();
        Assert.Equal(data, BlockInterpreter.Call(k, [Tensor<float>.FromArray(data, 5, 3)])[0].As<float>().ToArray());
    }

    [Fact]
    public void LiteralsRoundTripForEveryElementType()
    {
        var cases = new (DataType Type, Scalar Value)[]
        {
            (DataType.Float32, Scalar.Float(0.1f)), (DataType.Float32, Scalar.Float(-0.0)), (DataType.Float32, Scalar.Float(float.MaxValue)),
            (DataType.Float32, Scalar.Float(1e-45f)), (DataType.Float64, Scalar.Float(0.1)), (DataType.Float64, Scalar.Float(double.Epsilon)),
            (DataType.Float16, Scalar.Float((double)(Half)0.3)), (DataType.BFloat16, Scalar.Float((float)(BFloat16)0.3f)),
            (DataType.Float64, Scalar.Float(double.PositiveInfinity)), (DataType.Float64, Scalar.Float(double.NaN)),
            (DataType.Int8, Scalar.Int(-128)), (DataType.UInt8, Scalar.Int(255)), (DataType.Int64, Scalar.Int(long.MinValue)),
            (DataType.UInt64, Scalar.Int(-1)), (DataType.UInt32, Scalar.Int(uint.MaxValue)), (DataType.Bool, Scalar.Bool(true)),
        };
        foreach (var (type, value) in cases)
        {
            var v = new BlockValue("c", BlockType.Of(type, 2));
            var k = new BlockKernel("k", [], [1], [new ConstantOp(v, value)]);
            var text = BlockPrinter.Print(k);
            var back = BlockParser.Parse(text);
            Assert.Equal(k, back);
            Assert.Equal(text, BlockPrinter.Print(back));
        }
    }

    [Fact]
    public void CommentsAndLayoutAreIgnored()
    {
        var text = """
            # a copy of four elements
            block.kernel @k(%x: ptr<f32>[4] input, %y: ptr<f32>[4] output) grid(1) {   # one instance
              %c0 = constant 0 : index
              %r = arange %c0, 4 : index[4]
              %v = load %x[%r]
                   : f32[4]
              store %y[%r], %v
            }
            """;
        var k = BlockParser.Parse(text);
        Assert.Equal(4, k.Body.Length);
        Assert.Equal("""
            block.kernel @k(%x: ptr<f32>[4], %y: ptr<f32>[4] output)
                grid(1) {
              %c0 = constant 0 : index
              %r = arange %c0, 4 : index[4]
              %v = load %x[%r] : f32[4]
              store %y[%r], %v
            }

            """.ReplaceLineEndings("\n"), BlockPrinter.Print(k));
    }

    private const string Header = "block.kernel @k(%x: ptr<f32>[4], %y: ptr<f32>[4] output)\n    grid(1) {\n";

    [Theory]
    [InlineData("kernel @k() grid(1) {}", 1, 1, "expected 'block.kernel'")]
    [InlineData("block.kernel @k(%x: f32[4]) grid(1) {}", 1, 21, "expected 'ptr'")]
    [InlineData("block.kernel @k(%x: ptr<f32>[4] out) grid(1) {}", 1, 33, "expected input, output or scratch")]
    [InlineData("block.kernel @k(%x: ptr<f32>[4], %x: ptr<f32>[4]) grid(1) {}", 1, 34, "declared twice")]
    [InlineData("block.kernel @k(%x: ptr<str>[4]) grid(1) {}", 1, 25, "unknown element type 'str'")]
    [InlineData("block.kernel @k() grid(-1) {}", 1, 24, "non-negative integer grid extent")]
    [InlineData("block.kernel @k() grid(1) {", 1, 28, "expected '}' before the end of input")]
    [InlineData("block.kernel @k() grid(1) {}\nblock.kernel @j() grid(1) {}", 2, 1, "end of input after")]
    [InlineData(Header + "  %a = frobnicate %b : f32\n}", 3, 8, "unknown op 'frobnicate'")]
    [InlineData(Header + "  %a = exp %b : f32\n}", 3, 12, "%b is not defined here")]
    [InlineData(Header + "  %a = exp %x : f32\n}", 3, 12, "%x is a parameter")]
    [InlineData(Header + "  %a = constant 1.5 : i32\n}", 3, 17, "not an integer literal")]
    [InlineData(Header + "  %a = constant 300 : u8\n}", 3, 17, "does not fit in u8")]
    [InlineData(Header + "  %a = constant 99999999999999999999 : index\n}", 3, 17, "does not fit in 64 bits")]
    [InlineData(Header + "  %a = constant 2 : bool\n}", 3, 17, "not a bool literal")]
    [InlineData(Header + "  %a = constant 1 : f32[4,99999999999]\n}", 3, 27, "block dimension")]
    [InlineData(Header + "  %a = constant 1 : index\n  %a = constant 2 : index\n}", 4, 3, "already defined")]
    [InlineData(Header + "  %a = constant 1 : index\n  %v = load %z[%a] : f32\n}", 4, 13, "not a parameter")]
    [InlineData(Header + "  %a = constant 1 : index\n  %v = reduce mean %a, axis 0 : f32\n}", 4, 15, "unknown reduction 'mean'")]
    [InlineData(Header + "  %a = constant 1 : index\n  %r = for %i = %a to %a step 0 {\n  }\n}", 4, 31, "must be positive")]
    [InlineData(Header + "  %a = constant 1 : index\n  %r = for %i = %a to %a step 1 iter(%b = %a) -> index {\n  }\n}", 5, 3, "must end with yield")]
    [InlineData(Header + "  %a = constant 1 : index\n  for %i = %a to %a step 1 iter(%b = %a) -> index {\n    yield %b\n  }\n}", 4, 3, "defines 0 results")]
    [InlineData(Header + "  %a = constant 1 : index\n  for %i = %a to %a step 1 {\n    %t = add %i, %a : index\n  }\n  %u = add %t, %a : index\n}", 7, 12, "%t is not defined here")]
    [InlineData(Header + "  %a = constant 1 : index\n  %b = add %a, %a : index yield\n}", 4, 27, "expected an op")]
    [InlineData(Header + "  %a = constant 1 : index\n  %b, %c = add %a, %a : index\n}", 4, 7, "only a for loop defines several values")]
    [InlineData(Header + "  %a = constant 1 : index $\n}", 3, 27, "unexpected character '$'")]
    public void ParseErrorsHaveLineAndColumn(string text, int line, int col, string message)
    {
        var e = Assert.Throws<StrataException>(() => BlockParser.Parse(text));
        Assert.Equal(ErrorCode.ParseError, e.Code);
        Assert.Contains(message, e.Message);
        Assert.Equal($"line {line}, col {col}", e.Location);
    }

    /// <summary>Random edits of valid text never crash the parser: it either parses (and then round-trips) or
    /// reports a ParseError with a location.</summary>
    [Fact]
    public void RandomMutationsNeverCrash()
    {
        var texts = Golden.All("text").Select(Golden.Read)
            .Concat([BlockPrinter.Print(SampleKernels.Matmul(10, 7, 9, 4, 4, 4)), BlockPrinter.Print(SampleKernels.Softmax(10, 7, 4, 8))])
            .ToArray();
        string[] snippets = ["%", "@", "{", "}", "[", "]", "(", ")", ",", ":", "=", "->", " ", "\n", "-", "0", "99999999999", "1.5", "#",
            "\"", "for", "yield", "load", "store", "mask", "other", "index", "f32", "ptr<", "-inf", "nan", "%a", "%z", "output", "step"];
        Gen.Select(Gen.Int[0, texts.Length - 1], Gen.Int[1, 4], Gen.Int, Gen.Int, Gen.Int).Sample(t =>
        {
            var (which, edits, a, b, c) = t;
            var rng = new Random(a ^ (b << 7) ^ c);
            var text = texts[which];
            for (int i = 0; i < edits; i++) text = Mutate(text, rng, snippets);
            try
            {
                var k = BlockParser.Parse(text);
                var printed = BlockPrinter.Print(k);
                Assert.Equal(printed, BlockPrinter.Print(BlockParser.Parse(printed)));
            }
            catch (StrataException e)
            {
                Assert.Equal(ErrorCode.ParseError, e.Code);
                Assert.Matches(@"^line \d+, col \d+$", e.Location);
            }
        }, iter: 3000);
    }

    private static string Mutate(string text, Random rng, string[] snippets)
    {
        int pos = rng.Next(text.Length + 1);
        switch (rng.Next(5))
        {
            case 0: // delete a short range
                return text.Remove(pos, Math.Min(rng.Next(1, 8), text.Length - pos));
            case 1: // insert a snippet
                return text.Insert(pos, snippets[rng.Next(snippets.Length)]);
            case 2: // replace a character with a random printable one
                return pos < text.Length ? text.Remove(pos, 1).Insert(pos, ((char)rng.Next(32, 127)).ToString()) : text;
            case 3: // duplicate a line
            {
                var lines = text.Split('\n').ToList();
                int i = rng.Next(lines.Count);
                lines.Insert(rng.Next(lines.Count + 1), lines[i]);
                return string.Join('\n', lines);
            }
            default: // delete a line
            {
                var lines = text.Split('\n').ToList();
                lines.RemoveAt(rng.Next(lines.Count));
                return string.Join('\n', lines);
            }
        }
    }
}
