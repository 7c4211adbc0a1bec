using Strata.Block.Passes;
using Strata.Block.Text;
using Strata.Block.Verification;

namespace Strata.Block.Tests.Passes;

/// <summary>Lit-style golden tests of the Block passes: each file in golden/passes holds a header naming the pass, an
/// input kernel, a marker line and the expected kernel after the pass. The test rebuilds the file from its input and
/// compares (STRATA_ACCEPT=1 rewrites the expected part). Each input also runs before and after the pass on the same
/// data: the pass must not change what the kernel stores.</summary>
public sealed class BlockPassGoldenTests
{
    private const string PassHeader = "# pass: ";

    public static TheoryData<string> Files() => [.. Golden.All("passes")];

    public static IBlockPass PassNamed(string name) =>
        BlockPipeline.DefaultPasses.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"no pass {name}");

    [Theory]
    [MemberData(nameof(Files))]
    public void PassGivesTheExpectedText(string name)
    {
        var (pass, input) = ReadInput(name);
        var output = pass.Run(input);
        BlockVerifier.Verify(output);
        Golden.Check(name, $"{PassHeader}{pass.Name}\n{BlockPrinter.Print(input)}{Marker(pass)}\n{BlockPrinter.Print(output)}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void PassKeepsWhatTheKernelStores(string name)
    {
        var (pass, input) = ReadInput(name);
        var output = pass.Run(input);
        Assert.NotEqual(BlockPrinter.Print(input), BlockPrinter.Print(output)); // each file exercises its pass
        PassSemantics.AssertSameResults(input, output, seed: 1);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void PassIsIdempotent(string name)
    {
        var (pass, input) = ReadInput(name);
        var once = pass.Run(input);
        Assert.Same(once, pass.Run(once));
    }

    private static (IBlockPass Pass, BlockKernel Input) ReadInput(string name)
    {
        var text = Golden.Read(name);
        Assert.StartsWith(PassHeader, text);
        int eol = text.IndexOf('\n');
        var pass = PassNamed(text[PassHeader.Length..eol].Trim());
        int marker = text.IndexOf(Marker(pass), StringComparison.Ordinal);
        Assert.True(marker > 0, $"{name}: no line '{Marker(pass)}'");
        return (pass, BlockParser.Parse(text[(eol + 1)..marker]));
    }

    private static string Marker(IBlockPass pass) => $"# after {pass.Name}:";
}
