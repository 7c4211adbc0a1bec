namespace Strata.Conformance;

public enum ConformanceStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>The outcome of one test. <see cref="Reason"/> is empty when it passed.</summary>
public sealed record ConformanceResult(string Name, string Op, ConformanceStatus Status, string Reason)
{
    /// <summary>Lowered/fallback node counts when the executor compiles below the graph level (<see cref="ILoweringExecutor"/>).</summary>
    public Tile.Execution.LoweringStats? Lowering { get; init; }

    public static ConformanceResult Pass(ConformanceTest t) => new(t.Name, t.Op, ConformanceStatus.Passed, "");
    public static ConformanceResult Fail(ConformanceTest t, string reason) => new(t.Name, t.Op, ConformanceStatus.Failed, OneLine(reason));
    public static ConformanceResult Skip(ConformanceTest t, string reason) => new(t.Name, t.Op, ConformanceStatus.Skipped, OneLine(reason));

    /// <summary>Reasons go into one TSV cell: no tabs or line breaks.</summary>
    private static string OneLine(string s) => s.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
