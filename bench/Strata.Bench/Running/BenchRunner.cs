using System.Diagnostics;
using Strata.Bench.Engines;
using Strata.Bench.Measuring;
using Strata.Bench.Workloads;
using Strata.Core;

namespace Strata.Bench.Running;

/// <summary>Runs each workload at each thread count through ONNX Runtime and Strata: opens both sessions on the same
/// model bytes and inputs, checks that their outputs agree, then times them interleaved. A failure of one engine on
/// one workload is recorded in its row (the other engine is still timed alone) and the benchmark goes on. Past the
/// <paramref name="deadline"/> Strata is no longer opened (only ONNX Runtime is timed), so a slow Strata cannot make
/// the benchmark run for hours; the rows say so.</summary>
public sealed class BenchRunner(IBenchEngine ort, IBenchEngine strata, TimingPolicy policy, DateTime deadline, TextWriter log, bool blocked = false,
    double gapSeconds = 0)
{
    public IReadOnlyList<BenchResult> Run(IReadOnlyList<Workload> workloads, IReadOnlyList<int> threadCounts)
    {
        var results = new List<BenchResult>();
        foreach (var workload in workloads)
        {
            WorkloadModel model;
            try
            {
                model = workload.Build();
            }
            catch (Exception e) when (e is StrataException or IOException)
            {
                foreach (int t in threadCounts)
                    results.Add(new BenchResult(workload.Name, workload.Group, t, workload.Flops, workload.TargetRatio, null, null, null, null, "build: " + e.Message));
                log.WriteLine($"{workload.Name}: could not build: {e.Message}");
                continue;
            }
            foreach (int threads in threadCounts)
            {
                var result = RunOne(workload, model, threads);
                log.WriteLine(Describe(result));
                results.Add(result);
            }
        }
        return results;
    }

    private BenchResult RunOne(Workload workload, WorkloadModel model, int threads)
    {
        var errors = new List<string>();
        var (ortSession, ortOpen) = Open(ort, model, threads, errors);
        IBenchSession? strataSession = null;
        double? strataOpen = null;
        if (DateTime.UtcNow < deadline)
            (strataSession, strataOpen) = Open(strata, model, threads, errors);
        else
            errors.Add($"{strata.Name}: not run (past the time budget)");
        using (ortSession)
        using (strataSession)
        {
            OutputAgreement? agreement = null;
            LatencySummary? ortTime = null, strataTime = null;
            bool warmOrt = ortOpen < policy.SlowRunSeconds, warmStrata = strataOpen < policy.SlowRunSeconds;
            if (ortSession is not null && strataSession is not null)
            {
                agreement = OutputAgreement.Compare(strataSession.Outputs(), ortSession.Outputs());
                (ortTime, strataTime) = InterleavedTimer.Time(ortSession.Run, strataSession.Run, policy, warmOrt, warmStrata, blocked, gapSeconds);
            }
            else if (ortSession is not null)
                ortTime = InterleavedTimer.TimeAlone(ortSession.Run, policy, warmOrt);
            else if (strataSession is not null)
                strataTime = InterleavedTimer.TimeAlone(strataSession.Run, policy, warmStrata);
            return new BenchResult(workload.Name, workload.Group, threads, workload.Flops, workload.TargetRatio, ortTime, strataTime, agreement,
                strataSession?.Note, errors.Count == 0 ? null : string.Join("; ", errors), ortOpen, strataOpen);
        }
    }

    /// <summary>Opens a session (timed: session creation and the first run), or records why it could not be opened.
    /// Any exception counts: an engine failing on a workload (ORT's OnnxRuntimeException, a Strata bug) is a result to
    /// report, not a reason to stop.</summary>
    private static (IBenchSession? Session, double? Seconds) Open(IBenchEngine engine, WorkloadModel model, int threads, List<string> errors)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            var session = engine.Open(model, threads);
            return (session, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        catch (Exception e)
        {
            errors.Add($"{engine.Name}: {e.GetType().Name}: {FirstLine(e.Message)}");
            return (null, null);
        }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    private static string Describe(BenchResult r)
    {
        static string Ms(LatencySummary? s) => s is null ? "—" : $"{s.Median * 1e3:F3} ms (n={s.Runs})";
        string ratio = r.Ratio is { } x ? $"ratio {x:F2}" : "no ratio";
        string check = r.Agreement is null ? "" : r.Agreement.Agree ? " ok" : $" MISMATCH ({r.Agreement.Problem})";
        string error = r.Error is null ? "" : $" [{r.Error}]";
        string open = r.StrataOpenSeconds is { } s ? $", strata opened in {s:F2} s" : "";
        return $"{r.Workload} t={r.Threads}: ort {Ms(r.Ort)}, strata {Ms(r.Strata)}, {ratio}{check}{open}{error}";
    }
}
