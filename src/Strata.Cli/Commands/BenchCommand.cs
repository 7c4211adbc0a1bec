using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Cli.Execution;
using Strata.Core;
using Strata.Runtime;

namespace Strata.Cli.Commands;

/// <summary><c>strata bench MODEL</c>: compiles once, runs on seeded random inputs, discards <c>--warmup</c> runs,
/// then times <c>--runs</c> runs and prints the latency's median, spread (p10, p90), minimum and runs per second.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var runs = new Option<int>("--runs") { Description = "Timed runs (default 10)", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first (default 2)", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random inputs (default 0)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var profile = new Option<bool>("--profile")
        {
            Description = "Also time each kernel and fallback in the timed runs (machine and native level) and print them by median time",
        };
        var inputs = new ModelInputOptions();
        var levelOptions = new RunSettings.Options();
        var cmd = new Command("bench", "Time a model's runs: median and spread of the latency after warm-up") { model, runs, warmup, seed, json, profile };
        inputs.AddTo(cmd);
        levelOptions.AddTo(cmd);
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var settings = levelOptions.Read(parse);
            int r = parse.GetValue(runs), w = parse.GetValue(warmup);
            if (r < 1) throw new StrataException(ErrorCode.InvalidArgument, $"--runs {r}: at least one timed run is needed", "use --runs 10");
            if (w < 0) throw new StrataException(ErrorCode.InvalidArgument, $"--warmup {w}: cannot be negative", "use --warmup 2");
            var path = parse.GetValue(model)!;
            var graph = ModelLoader.Load(path);
            var values = inputs.Load(parse, graph, defaultSeed: parse.GetValue(seed));
            var compile = Stopwatch.StartNew();
            using var runner = LevelRunner.Create(settings, graph, values);
            double compileMs = compile.Elapsed.TotalMilliseconds;
            // Each run after the first writes into the outputs of the one before: the timed runs time the model, not
            // the allocator and the GC (as ONNX Runtime's pre-allocated outputs).
            IReadOnlyDictionary<string, RuntimeValue?>? last = null;
            for (int i = 0; i < w; i++) last = last is null ? runner.Run(values) : runner.RunInto(values, last);
            bool profiled = parse.GetValue(profile);
            if (profiled && !runner.CanProfile)
                throw new StrataException(ErrorCode.InvalidArgument, $"--profile times the runtime's steps; --level {settings.Level} has none", "use --level native or machine");
            var times = new double[r];
            var profiles = new List<RunProfile>();
            var sw = new Stopwatch();
            for (int i = 0; i < r; i++)
            {
                var p = profiled ? new RunProfile() : null;
                sw.Restart();
                last = last is not null ? runner.RunInto(values, last, p)
                    : p is null ? runner.Run(values) : runner.Run(values, p);
                times[i] = sw.Elapsed.TotalMilliseconds;
                if (p is not null) profiles.Add(p);
            }
            var stats = LatencyStats.Of(times);
            var steps = profiled ? StepProfile.Of(profiles) : null;
            output.Write(parse.GetValue(json)
                ? Json(path, settings, w, compileMs, stats, runner.Summary, steps)
                : Text(path, settings, w, compileMs, stats, runner.Summary, steps));
            return 0;
        }));
        return cmd;
    }

    private static string Text(string path, RunSettings s, int warmup, double compileMs, LatencyStats t, string? summary, IReadOnlyList<StepProfile>? steps)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"bench {Path.GetFileName(path)} at --level {s.Level}{(s.IsMachineLevel ? $", target {s.Target.Name}, {s.Threads} threads{(s.Checked ? ", checked" : "")}" : "")}");
        if (summary is not null) w.WriteLine(summary);
        w.WriteLine($"compile: {compileMs:F1} ms; {warmup} warm-up runs, {t.Runs} timed runs");
        w.WriteLine($"latency: median {t.Median:F3} ms (p10 {t.P10:F3}, p90 {t.P90:F3}, min {t.Min:F3}, max {t.Max:F3})");
        w.WriteLine($"throughput: {t.RunsPerSecond:F2} runs/s");
        if (steps is not null)
        {
            double total = steps.Sum(x => x.MedianMs);
            bool cpu = steps.Count > 0 && steps.All(x => x.MedianCpuMs is not null);
            w.WriteLine($"steps by median time ({steps.Count}; their medians sum to {total:F3} ms{(cpu ? $", their CPU medians to {steps.Sum(x => x.MedianCpuMs!.Value):F3} ms" : "")}):");
            // The calling thread's CPU time beside the wall time: on a shared host a step whose wall time is far above
            // its CPU time waited for a core (or, with workers, for them), it did not compute for that long.
            if (cpu) w.WriteLine($"  {"wall",10}    {"share",5}   {"cpu",10}");
            foreach (var x in steps)
                w.WriteLine($"  {x.MedianMs,10:F3} ms {100 * x.MedianMs / Math.Max(total, 1e-9),5:F1}%" + (cpu ? $"  {x.MedianCpuMs!.Value,10:F3} ms" : "") + $"  {x.Name} ({x.Kind})");
        }
        return w.ToString();
    }

    private static string Json(string path, RunSettings s, int warmup, double compileMs, LatencyStats t, string? summary, IReadOnlyList<StepProfile>? steps)
    {
        var o = new JsonObject
        {
            ["model"] = path,
            ["level"] = s.Level,
            ["target"] = s.IsMachineLevel ? s.Target.Name : null,
            ["threads"] = s.IsMachineLevel ? s.Threads : null,
            ["checked"] = s.Checked,
            ["summary"] = summary,
            ["compileMs"] = Math.Round(compileMs, 3),
            ["warmup"] = warmup,
            ["runs"] = t.Runs,
            ["medianMs"] = Math.Round(t.Median, 4),
            ["p10Ms"] = Math.Round(t.P10, 4),
            ["p90Ms"] = Math.Round(t.P90, 4),
            ["minMs"] = Math.Round(t.Min, 4),
            ["maxMs"] = Math.Round(t.Max, 4),
            ["runsPerSecond"] = Math.Round(t.RunsPerSecond, 3),
            ["timesMs"] = new JsonArray(t.Times.Select(x => (JsonNode)Math.Round(x, 4)).ToArray()),
        };
        if (steps is not null)
            o["steps"] = new JsonArray(steps.Select(x => (JsonNode)new JsonObject
            {
                ["name"] = x.Name,
                ["kind"] = x.Kind,
                ["medianMs"] = Math.Round(x.MedianMs, 4),
                ["medianCpuMs"] = x.MedianCpuMs is { } c ? Math.Round(c, 4) : null,
            }).ToArray());
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
    }
}
