using System.CommandLine;
using System.Globalization;
using Strata.Conformance;
using Strata.Conformance.Checking;
using Strata.Core;

namespace Strata.Cli.Commands;

/// <summary><c>strata check MODEL</c>: runs every kernel at every stage of compilation (Tile after fusion and after each
/// Tile pass, Block after lowering and after each Block pass; with <c>--target</c> also Machine after lowering and after
/// each Machine pass, in the Machine interpreter) on the inputs the reference run gives it, and reports per
/// kernel the first stage whose results diverge from the reference (<see cref="ModelChecker"/>). Exit code 0 when every
/// kernel agrees at every stage, 1 when one diverges, 2 on bad input.</summary>
public static class CheckCommand
{
    /// <summary>Exit code when a kernel diverges.</summary>
    public const int Diverged = 1;

    /// <summary>Inputs with at most this many elements are compiled as constants, as the conformance executors do (shapes,
    /// axes and pads passed as inputs then lower): the program is checked for these very inputs.</summary>
    public const int SpecializeSmallInputs = 16;

    /// <param name="options">What to check with (default <see cref="CheckOptions.Default"/>); tests pass a compiler with
    /// injected passes here. <c>--tolerance</c> overrides its tolerance.</param>
    public static Command Create(CheckOptions? options = null)
    {
        options ??= CheckOptions.Default;
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var inputs = new ModelInputOptions();
        var tolerance = new Option<string?>("--tolerance")
        {
            Description = "RTOL,ATOL: an element agrees when |a - e| <= ATOL + RTOL*|e| (default "
                + $"{Format(CheckOptions.DefaultTolerance.RelativeTolerance)},{Format(CheckOptions.DefaultTolerance.AbsoluteTolerance)})",
        };
        var target = new Option<string?>("--target")
        {
            Description = "Also check every kernel at the Machine level for this target (host, x86-64-avx512, x86-64-avx2, generic-v128, scalar), run by the Machine interpreter",
        };
        var cmd = new Command("check", "Find the first level and pass where each kernel's results diverge from the reference") { model, tolerance, target };
        inputs.AddTo(cmd);
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var comparer = parse.GetValue(tolerance) is { } t ? ParseTolerance(t) : options.Tolerance;
            var machineTarget = parse.GetValue(target) is { } name ? Target.Get(name) : options.MachineTarget;
            var graph = ModelLoader.Load(parse.GetValue(model)!);
            // Without --input or --random-inputs, inputs are random from seed 0.
            var values = inputs.Load(parse, graph, defaultSeed: (parse.GetValue(inputs.Input) ?? []).Length == 0 ? 0 : null);
            var compiler = options.Compiler.SpecializeSmallInputs > 0 ? options.Compiler
                : options.Compiler with { SpecializeSmallInputs = SpecializeSmallInputs };
            var report = new ModelChecker(options with { Tolerance = comparer, Compiler = compiler, MachineTarget = machineTarget }).Check(graph, values);
            report.Write(output);
            return report.AllAgree ? 0 : Diverged;
        }));
        return cmd;
    }

    /// <summary>Parses <c>RTOL,ATOL</c> (two non-negative numbers).</summary>
    public static ValueComparer ParseTolerance(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var rtol)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var atol)
            && rtol >= 0 && atol >= 0 && double.IsFinite(rtol) && double.IsFinite(atol))
            return new ValueComparer(rtol, atol);
        throw new StrataException(ErrorCode.InvalidArgument, $"--tolerance '{text}' is not RTOL,ATOL",
            "give two non-negative numbers, e.g. --tolerance 1e-3,1e-5");
    }

    private static string Format(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
