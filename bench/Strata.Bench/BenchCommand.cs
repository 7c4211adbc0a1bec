using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Strata.Bench.Engines;
using Strata.Bench.Measuring;
using Strata.Bench.Reporting;
using Strata.Bench.Running;
using Strata.Bench.Workloads;
using Strata.Core;

namespace Strata.Bench;

/// <summary>The command line: which workloads, thread counts and Strata engine; where the results go. Progress goes to
/// stderr, the Markdown table to stdout and, with the CSV and the chart, to the results folder. Exit code 0 when
/// every row ran on both engines and the outputs agreed, 1 when a row has an error or a mismatch, 2 on bad
/// arguments.</summary>
public static class BenchCommand
{
    public static RootCommand Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Short warm-up and timing (a smoke test; rough numbers)" };
        var filter = new Option<string?>("--filter") { Description = "Only workloads whose name or group matches this regex (case-insensitive)" };
        var threads = new Option<string>("--threads") { Description = "Comma-separated thread counts", DefaultValueFactory = _ => "1,2" };
        var strata = new Option<string>("--strata")
        {
            Description = "Strata engine: native (InferenceSession) or reference (the Graph interpreter)",
            DefaultValueFactory = _ => "native",
        };
        strata.AcceptOnlyFromAmong(StrataEngines.Names);
        var output = new Option<string?>("--out") { Description = "Results folder (default: bench/results; with --quick: a temp folder)" };
        var light = new Option<string?>("--light") { Description = "Folder of the light models (default: ../shared/conformance/onnx/light)" };
        var list = new Option<bool>("--list") { Description = "List the workloads and exit" };
        var budget = new Option<double?>("--budget-minutes")
        {
            Description = "After this many minutes Strata is no longer run (ORT still is), so a slow Strata cannot stall the benchmark (default 14; --quick 3)",
        };

        var blocked = new Option<bool>("--blocked")
        {
            Description = "Time all ORT runs, then all Strata runs, instead of alternating (diagnoses interference between the engines' threads)",
        };
        var ortSpin = new Option<OrtSpinning>("--ort-spinning")
        {
            Description = "How ORT's intra-op threads wait: WithinRun (default: spin inside a Run, stop when it returns; "
                + "session.force_spinning_stop=1), Always (ORT's default: keep spinning after a Run, taking a core from the "
                + "Strata run that follows), Off (never spin)",
            DefaultValueFactory = _ => OrtSpinning.WithinRun,
        };
        var gap = new Option<double>("--gap-us")
        {
            Description = "Untimed busy gap before every timed run in the alternating order, in µs (default 0: each run starts as "
                + "the other engine's returns; a gap lets both engines' parked workers start from idle cores — a diagnostic, see the README)",
            DefaultValueFactory = _ => 0,
        };
        var root = new RootCommand("Strata vs ONNX Runtime, side by side: latency, ratio, GFLOP/s, fraction of the FMA peak")
        {
            quick, filter, threads, strata, output, light, list, budget, blocked, ortSpin, gap,
        };
        root.SetAction(parse =>
        {
            try
            {
                var lightDir = LightModelWorkloads.Locate(parse.GetValue(light));
                var workloads = WorkloadCatalog.Select(WorkloadCatalog.All(lightDir), parse.GetValue(filter));
                if (parse.GetValue(list))
                {
                    foreach (var w in workloads) Console.WriteLine($"{w.Group,-12} {w.Name}");
                    return 0;
                }
                if (lightDir is null) Console.Error.WriteLine("light models not found: skipped (use --light DIR)");
                if (workloads.Count == 0) throw new StrataException(ErrorCode.InvalidArgument, "no workload matches the filter", "try --list");
                bool isQuick = parse.GetValue(quick);
                string outDir = parse.GetValue(output)
                    ?? (isQuick ? Path.Combine(Path.GetTempPath(), "strata-bench")
                        : Path.Combine(BenchEnvironment.RepoRoot() ?? Directory.GetCurrentDirectory(), "bench", "results"));
                double minutes = parse.GetValue(budget) ?? (isQuick ? 3 : 14);
                if (!(minutes > 0)) throw new StrataException(ErrorCode.InvalidArgument, $"--budget-minutes must be positive, got {minutes}", "e.g. --budget-minutes 14");
                double gapUs = parse.GetValue(gap);
                if (!(gapUs >= 0 && gapUs <= 100_000)) throw new StrataException(ErrorCode.InvalidArgument, $"--gap-us must be between 0 and 100000, got {gapUs}", "e.g. --gap-us 100");
                return Run(workloads, ParseThreads(parse.GetValue(threads)!), StrataEngines.Create(parse.GetValue(strata)!, parse.GetValue(ortSpin) == OrtSpinning.Always),
                    isQuick, minutes, parse.GetValue(blocked), parse.GetValue(ortSpin), gapUs, outDir, "strata-bench " + string.Join(' ', parse.Tokens.Select(t => t.Value)));
            }
            catch (StrataException e)
            {
                Console.Error.WriteLine($"error: {e.Message}{(e.Hint is null ? "" : $" ({e.Hint})")}");
                return 2;
            }
        });
        return root;
    }

    private static int Run(IReadOnlyList<Workload> workloads, IReadOnlyList<int> threadCounts, IBenchEngine strata,
        bool quick, double budgetMinutes, bool blocked, OrtSpinning ortSpinning, double gapUs, string outDir, string commandLine)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var policy = quick ? TimingPolicy.Quick : TimingPolicy.Full;
        var log = Console.Error;

        var peakStart = PeakMeasurements.Measure(threadCounts, quick);
        log.WriteLine($"FMA peak GFLOP/s at start: {PeakMeasurements.Format(peakStart)}");
        var results = new BenchRunner(new OrtEngine(ortSpinning), strata, policy, started.UtcDateTime.AddMinutes(budgetMinutes), log, blocked, gapUs / 1e6)
            .Run(workloads, threadCounts);
        var peakEnd = PeakMeasurements.Measure(threadCounts, quick);
        log.WriteLine($"FMA peak GFLOP/s at end: {PeakMeasurements.Format(peakEnd)}");

        var report = new BenchReport(started, clock.Elapsed, BenchEnvironment.Host(), BenchEnvironment.Cpu(),
            Environment.Version.ToString(), OrtEnv.Instance().GetVersionString(), strata.Name, (quick ? "quick" : "full") + (blocked ? ", blocked (not interleaved)" : gapUs > 0 ? $", interleaved with an untimed {gapUs:0.#} µs busy gap before each run" : ", interleaved back to back")
                + ortSpinning switch
                {
                    OrtSpinning.WithinRun => ", ORT threads spin within a run and block when it returns (session.force_spinning_stop=1; "
                        + "ORT's default keeps them spinning), Strata's workers alike (SpinAfterRun=false)",
                    OrtSpinning.Always => ", ORT threads keep spinning after a run (ORT's default), Strata's workers spin "
                        + $"{Strata.Runtime.WorkerPool.SpinMicroseconds} µs after a run (SpinAfterRun=true, Strata's default)",
                    _ => ", ORT threads never spin (session.intra_op.allow_spinning=0), Strata's workers spin within a run "
                        + "and block when it returns (SpinAfterRun=false)",
                },
            commandLine, new PeakMeasurements(peakStart, peakEnd), results);
        string markdown = MarkdownReport.Write(report);
        Console.Write(markdown);

        Directory.CreateDirectory(outDir);
        string stem = Path.Combine(outDir, report.FileStem);
        File.WriteAllText(stem + ".md", markdown);
        File.WriteAllText(stem + ".csv", CsvReport.Write(report));
        RatioChart.Save(report, stem + ".png");
        log.WriteLine($"wrote {stem}.md, .csv, .png");

        bool clean = results.All(r => r.Error is null && r.Agreement is { Agree: true });
        return clean ? 0 : 1;
    }

    private static List<int> ParseThreads(string text)
    {
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw new StrataException(ErrorCode.InvalidArgument, $"--threads: '{part}' is not a positive integer", "e.g. --threads 1,2");
            if (!counts.Contains(n)) counts.Add(n);
        }
        if (counts.Count == 0) throw new StrataException(ErrorCode.InvalidArgument, "--threads is empty", "e.g. --threads 1,2");
        return counts;
    }
}
