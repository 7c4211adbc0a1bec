using System.Reflection;
using Strata.Core;
using Strata.Machine.Lowering;

namespace Strata.Cli.Execution;

/// <summary><c>--lowering-off A,B</c>: <see cref="MachineLoweringOptions.Default"/> with the named boolean switches
/// false — the A/B of one lowering mechanism with the same binary (alternating runs with and without it).</summary>
public static class LoweringSwitches
{
    public static MachineLoweringOptions Off(string names)
    {
        var options = MachineLoweringOptions.Default with { };
        foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = typeof(MachineLoweringOptions).GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (p is null || p.PropertyType != typeof(bool) || !p.CanWrite)
                throw new StrataException(ErrorCode.InvalidArgument, $"--lowering-off {name}: not a switch of the lowering",
                    "use one of " + string.Join(", ", typeof(MachineLoweringOptions).GetProperties().Where(q => q.PropertyType == typeof(bool) && q.CanWrite).Select(q => q.Name)));
            p.SetValue(options, false);
        }
        return options;
    }
}
