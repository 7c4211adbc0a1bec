using System.CommandLine;
using System.Text.RegularExpressions;
using Strata.Conformance;
using Strata.Core;

namespace Strata.Cli.Commands;

/// <summary><c>strata conformance DIR</c>: runs the ONNX node tests in DIR at one level and reports failures.</summary>
public static class ConformanceCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "Folder of ONNX node tests (each subfolder has model.onnx and test_data_set_0)" };
        var level = new Option<string>("--level")
        {
            Description = $"Level to run at ({string.Join(", ", ConformanceExecutors.Levels)})",
            DefaultValueFactory = _ => "graph",
        };
        var filter = new Option<string?>("--filter") { Description = "Only tests whose name matches this regular expression" };
        var report = new Option<string?>("--report")
        {
            Description = "Write every result as TSV (name, op, status, reason; below graph level also lowered, fallback node counts) to this file",
        };
        var opsReport = new Option<string?>("--ops-report")
        {
            Description = "Below graph level: write per-op node counts as TSV (op, lowered, fallback, removed) to this file",
        };
        var expected = new Option<string[]>("--expected-failures")
        {
            Description = "TSV of tests known to fail (test_name<TAB>reason); only other failures make the exit code non-zero. "
                + "Repeatable: at --level tile give expected-failures.tsv and expected-failures.tile.tsv",
        };
        var target = new Option<string>("--target")
        {
            Description = $"At --level machine or native: the target to lower for (machine emulates any) (host, {string.Join(", ", Target.Known.Select(t => t.Name))})",
            DefaultValueFactory = _ => "host",
        };
        var cmd = new Command("conformance", "Run the ONNX conformance (node) tests and compare outputs")
        {
            dir, level, filter, report, opsReport, expected, target,
        };
        cmd.SetAction(parse => CliErrors.Run(parse, output => Execute(output,
            parse.GetValue(dir)!, parse.GetValue(level)!, parse.GetValue(filter), parse.GetValue(report), parse.GetValue(opsReport), parse.GetValue(expected) ?? [],
            parse.GetValue(target)!)));
        return cmd;
    }

    private static int Execute(TextWriter output, string dir, string level, string? filter, string? reportPath, string? opsReportPath, string[] expectedPaths, string target)
    {
        Regex? regex;
        try
        {
            regex = filter is null ? null : new Regex(filter, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new StrataException(ErrorCode.InvalidArgument, $"--filter is not a valid regular expression: {e.Message}", "fix the pattern");
        }
        var expected = ExpectedFailures.Combine(expectedPaths.Select(ExpectedFailures.Load));
        string? expectedPath = expectedPaths.Length == 0 ? null : string.Join(" or ", expectedPaths);
        if (string.Equals(level, "native", StringComparison.OrdinalIgnoreCase) && Target.Get(target) is var t && !TargetSupport.RunsNatively(t))
            throw new StrataException(ErrorCode.InvalidArgument, $"target {t.Name} cannot run natively on this machine ({TargetCatalog.Host.Name})",
                $"use --level machine --target {t.Name} to emulate it");
        var runner = new ConformanceRunner(ConformanceExecutors.Create(level, target));
        var tests = ConformanceRunner.Discover(dir, regex);
        var result = runner.RunAll(tests);
        if (reportPath is not null) result.WriteTsv(reportPath);
        if (opsReportPath is not null) File.WriteAllText(opsReportPath, result.Lowering.ToTsv());

        var (unexpectedFailures, unexpectedPasses) = expected.Check(result);
        foreach (var r in result.Results.Where(r => r.Status == ConformanceStatus.Failed))
            output.WriteLine($"{(expected.Contains(r.Name) ? "XFAIL" : "FAIL")} {r.Name}: {r.Reason}");
        foreach (var r in unexpectedPasses)
            output.WriteLine($"XPASS {r.Name}: listed as an expected failure but passed; remove it from {expectedPath}");
        if (expectedPath is not null)
            output.WriteLine($"{result.Failed - unexpectedFailures.Count} expected failures, {unexpectedFailures.Count} unexpected failures, {unexpectedPasses.Count} unexpected passes");
        if (result.Results.Any(r => r.Lowering is not null))
        {
            var lowering = result.Lowering;
            output.WriteLine($"nodes: {lowering.SummaryLine}");
            var fallbackOps = lowering.ByOp.Where(c => c.Fallback > 0).OrderByDescending(c => c.Fallback).ThenBy(c => c.Op, StringComparer.Ordinal);
            if (fallbackOps.Any())
                output.WriteLine("fallback nodes by op: " + string.Join(", ", fallbackOps.Select(c => $"{c.Op} {c.Fallback}")));
        }
        output.WriteLine(result.SummaryLine);
        return unexpectedFailures.Count == 0 && unexpectedPasses.Count == 0 ? 0 : 1;
    }
}
