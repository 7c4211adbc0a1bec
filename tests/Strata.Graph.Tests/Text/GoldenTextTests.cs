using Strata.Graph.Text;

namespace Strata.Graph.Tests.Text;

/// <summary>Golden files for the printer (STRATA_ACCEPT=1 rewrites them), and the parse → print round trip
/// of every golden file.</summary>
public sealed class GoldenTextTests
{
    [Fact] public void BuilderMlp() => Golden.Check("builder_mlp", GraphPrinter.Print(SampleGraphs.Mlp()));
    [Fact] public void BuilderGeluOpset18() => Golden.Check("builder_gelu_opset18", GraphPrinter.Print(SampleGraphs.GeluOpset18()));
    [Fact] public void SubgraphIf() => Golden.Check("subgraph_if", GraphPrinter.Print(SampleGraphs.SubgraphIf()));
    [Fact] public void Sequences() => Golden.Check("sequences", GraphPrinter.Print(SampleGraphs.Sequences()));
    [Fact] public void OptionalOmitted() => Golden.Check("optional_omitted", GraphPrinter.Print(SampleGraphs.OptionalOmitted()));
    [Fact] public void SymbolicDims() => Golden.Check("symbolic_dims", GraphPrinter.Print(SampleGraphs.SymbolicDims()));
    [Fact] public void AttributeKinds() => Golden.Check("attribute_kinds", GraphPrinter.Print(SampleGraphs.AttributeKinds()));
    [Fact] public void NamesAndMetadata() => Golden.Check("names_metadata", GraphPrinter.Print(SampleGraphs.NamesAndMetadata()));
    [Fact] public void Elided() => Golden.Check("elided", GraphPrinter.Print(SampleGraphs.Elided(), SampleGraphs.ElidedOptions));

    public static TheoryData<string> GoldenFiles() => new(Golden.All());

    /// <summary>Print(Parse(text)) == text for every golden file. The elided file is printed with the option that
    /// made it: the parser zero-fills elided data, which elides again.</summary>
    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void GoldenFileRoundTrips(string name)
    {
        string text = Golden.Read(name);
        var options = name == "elided" ? SampleGraphs.ElidedOptions : GraphPrinterOptions.Default;
        string again = GraphPrinter.Print(GraphParser.Parse(text), options);
        Assert.True(text == again, Golden.Diff(text, again));
    }
}
