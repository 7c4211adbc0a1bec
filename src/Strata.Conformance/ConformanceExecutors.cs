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
        ["machine"] = () => new MachineExecutor(TargetCatalog.Host),
        ["native"] = () => new NativeExecutor(TargetCatalog.Host),
    };

    public static IEnumerable<string> Levels => Factories.Keys;

    public static IConformanceExecutor Create(string level) =>
        Factories.TryGetValue(level, out var f) ? f()
        : throw new StrataException(ErrorCode.InvalidArgument, $"unknown level '{level}'",
            $"levels are: {string.Join(", ", Factories.Keys)}");

    /// <summary>The executor of <paramref name="level"/>; the Machine and native levels lower for <paramref name="target"/>
    /// (a name of <see cref="Target.Get"/>: <c>host</c>, <c>x86-64-avx2</c>, …), the other levels ignore it.</summary>
    public static IConformanceExecutor Create(string level, string target) => level.ToLowerInvariant() switch
    {
        "machine" => new MachineExecutor(Target.Get(target)),
        "native" => new NativeExecutor(Target.Get(target)),
        _ => Create(level),
    };
}
