namespace Strata.Graph.Text;

/// <summary>Options of <see cref="GraphPrinter"/>. The defaults print text that parses back to the same graph.</summary>
public sealed record GraphPrinterOptions
{
    public static GraphPrinterOptions Default { get; } = new();

    /// <summary>Constants and tensor attributes with more elements than this print as
    /// <c>dense_resource&lt;elided&gt;</c> instead of their data (null: print all data). Such text is for
    /// reading: <see cref="GraphParser"/> accepts it but gives zero-filled tensors in place of the elided data.</summary>
    public int? ElideConstantsLargerThan { get; init; }

    /// <summary>Print node names (ONNX <c>NodeProto.name</c>) as a trailing <c>loc("name")</c> where a node has one.</summary>
    public bool PrintNodeNames { get; init; } = true;
}
