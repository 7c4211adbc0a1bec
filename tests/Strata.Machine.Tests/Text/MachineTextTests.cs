using CsCheck;
using Strata.Machine.Text;
using Strata.Machine.Verification;

namespace Strata.Machine.Tests.Text;

public class MachineTextTests
{
    public static TheoryData<string> GoldenNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Golden.All("text")) data.Add(name);
        return data;
    }

    /// <summary>Golden files are written in canonical form: parsing and printing gives the file back, and parsing
    /// the printed text gives an equal kernel.</summary>
    [Theory]
    [MemberData(nameof(GoldenNames))]
    public void Golden_text_round_trips(string name)
    {
        var kernel = MachineParser.Parse(Golden.Read(name));
        string printed = MachinePrinter.Print(kernel);
        Golden.Check(name, printed);
        Assert.Equal(kernel, MachineParser.Parse(printed));
        Assert.DoesNotContain(MachineVerifier.Diagnose(kernel), d => d.IsError);
    }

    /// <summary>Random kernels (every statement kind, mutable registers, nested loops and ifs, awkward literals)
    /// print, parse back to an equal kernel, and print the same again; they are also valid.</summary>
    [Fact]
    public void Random_kernels_round_trip()
    {
        RandomMachineKernels.Gen().Sample(k =>
        {
            string text = MachinePrinter.Print(k);
            var back = MachineParser.Parse(text);
            Assert.Equal(k, back);
            Assert.Equal(text, MachinePrinter.Print(back));
            var errors = MachineVerifier.Diagnose(k).Where(d => d.IsError).ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + text);
        }, iter: 300);
    }

    [Fact]
    public void Comments_are_skipped_and_host_target_parses()
    {
        var k = MachineParser.Parse("# a comment\nmachine.kernel @k target(host) () # trailing\n programs() {\n  %c = const 1 : i64 # one\n}\n");
        Assert.Equal(TargetCatalogName(), k.Target.Name);
        Assert.Single(k.Body);
        Assert.Empty(k.Grid);
        Assert.Equal(1, k.Programs);
    }

    private static string TargetCatalogName() => Strata.Core.TargetCatalog.Host.Name;

    [Fact]
    public void Print_of_one_statement_indents_nested_bodies()
    {
        var k = MachineParser.Parse(Golden.Read("text/every_stmt"));
        var loop = k.Body.OfType<LoopStmt>().Single();
        string text = MachinePrinter.Print(loop, 1);
        Assert.StartsWith("  loop %i = %c0 to %c4 step 1 {\n    %ix = add %m0, %i : i64\n", text);
        Assert.EndsWith("\n  }\n", text);
        Assert.Equal("v8bool", MachinePrinter.FormatType(MType.Vector(Strata.Core.DataType.Bool, 8)));
    }
}
