using Strata.Core;
using Strata.Machine.Text;

namespace Strata.Machine.Tests.Text;

public class MachineParseErrorTests
{
    private const string Header = "machine.kernel @k target(x86-64-avx2) (%x: ptr<f32>[16], %o: ptr<f32>[16] output)\n    programs(2) {\n";

    /// <summary>Body lines start at line 3; each case names the error's position and a word of its message.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "  %a = frobnicate %b : f32\n}\n", "line 3, col 8", "unknown op 'frobnicate'" },
        { "  %a = const 1.0 : f32\n  %a = const 1 : i64\n}\n", "line 4, col 3", "keeps one type" },
        { "  %a = const 1.5x : f32\n}\n", "line 3, col 17", "after a number" },
        { "  %a = const 300 : u8\n}\n", "line 3, col 14", "does not fit in u8" },
        { "  %a = const 1.5 : i64\n}\n", "line 3, col 14", "not an integer literal" },
        { "  %a = const maybe : bool\n}\n", "line 3, col 14", "expected a literal" },
        { "  %a = const 1 : f33\n}\n", "line 3, col 18", "unknown element type 'f33'" },
        { "  %a = const 1 : v1f32\n}\n", "line 3, col 18", "2 or more lanes" },
        { "  %a = add %b, %b : f32\n}\n", "line 3, col 12", "used before any assignment" },
        { "  %i = const 0 : i64\n  %v = load %nope[%i] : f32\n}\n", "line 4, col 13", "not a parameter or buffer" },
        { "  %i = const 0 : i64\n  %v = load %x[%i] : f32\n", "line 5, col 1", "expected '}'" },
        { "  %i = const 0 : i64\n  loop %j = %i to %i step 0 {\n  }\n}\n", "line 4, col 27", "must be positive" },
        { "  %i = const 0 : i64\n  %v = add %x, %i : i64\n}\n", "line 4, col 12", "is a parameter or buffer" },
        { "  %i = const 0 : i64\n  loop %j = %i to %i step 1 {\n    buffer %t: f32[4]\n  }\n}\n", "line 5, col 5", "top of the kernel body" },
        { "  buffer %x: f32[4]\n}\n", "line 3, col 10", "already a parameter or buffer" },
        { "  %a = const 1 : i64\n  %b = reduce_lanes median %a : i64\n}\n", "line 4, col 21", "unknown reduction" },
        { "  %a = const 1 : i64\n  store %x[%a] %a\n}\n", "line 4, col 16", "expected ','" },
        { "  %a = const 1 : i64\n  %b = add %a %a : i64\n}\n", "line 4, col 15", "',' between the operands" },
        { "  %a = const 1 : i64\n}\n}\n", "line 5, col 1", "end of input" },
        { "  %a = const 1 : i64\n  %b = mov %a\n}\n", "line 5, col 1", "':' and the register type" },
        { "  %a = const 0x10 : i64\n}\n", "line 3, col 14", "decimal" },
        { "  %a = const 1 : i64 $\n}\n", "line 3, col 22", "unexpected character" },
        { "  %a = const 1 : i64\n  if %a {\n  } else\n}\n", "line 6, col 1", "expected '{'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_errors_name_the_position(string body, string location, string message)
    {
        var e = Assert.Throws<StrataException>(() => MachineParser.Parse(Header + body));
        Assert.Equal(ErrorCode.ParseError, e.Code);
        Assert.Contains(message, e.Message);
        Assert.Equal(location, e.Location);
    }

    [Fact]
    public void Unknown_target_lists_the_targets()
    {
        var e = Assert.Throws<StrataException>(() => MachineParser.Parse("machine.kernel @k target(x86-64-sse9) ()\n    programs(1) {\n}\n"));
        Assert.Equal(ErrorCode.ParseError, e.Code);
        Assert.Equal("line 1, col 26", e.Location);
        Assert.Contains("x86-64-sse9", e.Message);
        Assert.Contains("generic-v128", e.Message);
        Assert.Contains("host", e.Message);
    }

    [Fact]
    public void Header_errors()
    {
        static StrataException Fail(string text) => Assert.Throws<StrataException>(() => MachineParser.Parse(text));
        Assert.Equal("line 1, col 1", Fail("block.kernel @k()").Location);
        Assert.Contains("declared twice", Fail("machine.kernel @k target(scalar) (%a: ptr<f32>[1], %a: ptr<f32>[1]) programs(1) {}").Message);
        Assert.Contains("input, output or scratch", Fail("machine.kernel @k target(scalar) (%a: ptr<f32>[1] inout) programs(1) {}").Message);
        Assert.Contains("non-negative integer grid extent", Fail("machine.kernel @k target(scalar) () programs(-1) {}").Message);
        Assert.Contains("expected 'target'", Fail("machine.kernel @k (%a: ptr<f32>[1]) programs(1) {}").Message);
    }

    /// <summary>Mutations of valid texts (deleted, duplicated and swapped tokens and characters) fail with a
    /// <see cref="StrataException"/> or parse; nothing else escapes.</summary>
    [Fact]
    public void Mutation_fuzz_throws_only_strata_exceptions()
    {
        var r = new Random(4242);
        var seeds = new List<string> { Golden.Read("text/every_stmt") };
        for (int i = 0; i < 20; i++) seeds.Add(MachinePrinter.Print(RandomMachineKernels.Kernel(new Random(i), statements: 15)));
        string[] inserts = ["%", "@", "{", "}", "(", ")", "[", "]", ",", ":", "=", "-", "#", "\"", "0", "-1", "9999999999999999999999", "v", "v0f32",
            "nan", "inf", "loop", "if", "else", "store", "load", "buffer", "mask", "count", "other", "step", "target(", "x86-64-avx512", "\n", " "];
        for (int n = 0; n < 3000; n++)
        {
            var text = seeds[r.Next(seeds.Count)].ToCharArray().ToList();
            for (int m = 0, edits = r.Next(1, 4); m < edits; m++)
            {
                int at = r.Next(text.Count + 1);
                switch (r.Next(4))
                {
                    case 0 when text.Count > 0: text.RemoveRange(Math.Min(at, text.Count - 1), Math.Min(r.Next(1, 6), text.Count - Math.Min(at, text.Count - 1))); break;
                    case 1: text.InsertRange(at, inserts[r.Next(inserts.Length)]); break;
                    case 2 when at < text.Count: text[at] = (char)r.Next(32, 127); break;
                    default:
                        if (text.Count > 10) { int from = r.Next(text.Count - 5); text.InsertRange(at, text.GetRange(from, 5)); }
                        break;
                }
            }
            string mutated = new(text.ToArray());
            try
            {
                var k = MachineParser.Parse(mutated);
                MachinePrinter.Print(k);
                Strata.Machine.Verification.MachineVerifier.Diagnose(k);
                Strata.Machine.Verification.BoundsAnalysis.Analyze(k);
            }
            catch (StrataException) { }
        }
    }
}
