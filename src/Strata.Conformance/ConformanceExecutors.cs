using Strata.Core;

namespace Strata.Conformance;

/// <summary>The executors known by level name. Later levels add themselves here.</summary>
public static class ConformanceExecutors
{
    private static readonly Dictionary<string, Func<IConformanceExecutor>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["graph"] = () => new GraphExecutor(),
        ["tile"] = () => new TileExecutor(),
        ["block"] = () => new BlockExecutor(),
    };

    public static IEnumerable<string> Levels => Factories.Keys;

    public static IConformanceExecutor Create(string level) =>
        Factories.TryGetValue(level, out var f) ? f()
        : throw new StrataException(ErrorCode.InvalidArgument, $"unknown level '{level}'",
            $"levels are: {string.Join(", ", Factories.Keys)}");
}
