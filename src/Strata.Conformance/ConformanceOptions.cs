namespace Strata.Conformance;

/// <summary>How a conformance run is carried out.</summary>
public sealed record ConformanceOptions
{
    /// <summary>A test still running after this long is reported as failed ("timeout").</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Tests run at once (default: one per processor).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Ops used for type inference before a test runs (default: <see cref="Graph.OpRegistry.Default"/>).</summary>
    public Graph.OpRegistry? Registry { get; init; }

    public ValueComparer Comparer { get; init; } = ValueComparer.Default;

    /// <summary>Which data set of each test to use (<c>test_data_set_N</c>).</summary>
    public int DataSet { get; init; }
}
