using System.Globalization;
using Strata.Block.Compilation;

namespace Strata.Conformance.Checking;

/// <summary>Where a kernel's results first left the reference: the stage (level and pass), the kernel output (a graph
/// value), what differs (<see cref="Reason"/>, <see cref="ValueComparer"/>'s words or the error the stage raised) and,
/// when both sides are numeric tensors of the same shape, the error statistics.</summary>
public sealed record StageDivergence(StageLevel Level, string Pass, int StageNumber, string? Output, string Reason, ErrorStats? Errors)
{
    /// <summary><c>tile/UnifyAxes</c>, <c>block/lower</c>, <c>machine/lower</c>.</summary>
    public string Stage => KernelStage.Prefix(Level) + Pass;

    /// <summary>One line: the stage, the output, the error statistics (or the reason).</summary>
    public override string ToString()
    {
        var where = Output is null ? "" : $" output %{Output}:";
        if (Errors is not { } e) return $"{Stage}:{where} {Reason}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Stage}:{where} {e.Mismatched} of {e.Total} elements differ; max abs error {Num(e.MaxAbsError)}, max rel error {Num(e.MaxRelError)}, worst at [{string.Join(",", e.WorstIndex)}]: got {Num(e.Got)}, expected {Num(e.Expected)}");
    }

    private static string Num(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
