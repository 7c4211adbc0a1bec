using Strata.Machine.Text;

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
    }
}
