using System.Collections.Immutable;
using System.Globalization;

namespace Strata.Conformance.Checking;

/// <summary>What <c>strata check</c> found: one <see cref="KernelCheck"/> per kernel in program order, and the fallback
/// steps (which run through the reference interpreter and so are not compared).</summary>
public sealed record CheckReport(string Model, ImmutableArray<KernelCheck> Kernels, ImmutableArray<(string Op, string Reason)> Fallbacks,
    ValueComparer Tolerance)
{
    public bool AllAgree => Kernels.All(k => k.Agrees);

    public IEnumerable<KernelCheck> Diverging => Kernels.Where(k => !k.Agrees);

    public KernelCheck Kernel(string name) => Kernels.FirstOrDefault(k => k.Kernel == name)
        ?? throw new Core.StrataException(Core.ErrorCode.InvalidArgument, $"the report has no kernel @{name}",
            $"kernels are: {string.Join(", ", Kernels.Select(k => "@" + k.Kernel))}");

    /// <summary>The text <c>strata check</c> prints: a header, one line per kernel, one per fallback, a summary.</summary>
    public void Write(TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"check @{Model}: {Kernels.Length} kernels, {Fallbacks.Length} fallbacks (tolerance rtol {Num(Tolerance.RelativeTolerance)}, atol {Num(Tolerance.AbsoluteTolerance)})"));
        foreach (var k in Kernels) output.WriteLine(k);
        foreach (var (op, reason) in Fallbacks) output.WriteLine($"fallback {op}: {reason} (runs the reference op; not compared)");
        int bad = Diverging.Count();
        output.WriteLine(Kernels.IsEmpty ? "no kernels to check"
            : bad == 0 ? $"all {Kernels.Length} kernels agree with the reference at every stage"
            : $"{bad} of {Kernels.Length} kernels diverge from the reference");
    }

    private static string Num(double v) => v.ToString("G", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    public override string ToString()
    {
        var w = new StringWriter();
        Write(w);
        return w.ToString();
    }
}
