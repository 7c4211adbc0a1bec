using Strata.Bench.Engines;
using Strata.Bench.Measuring;
using Strata.Bench.Workloads;
using Strata.Core;

namespace Strata.Bench.Running;

/// <summary>Runs each workload at each thread count through ONNX Runtime and Strata: opens both sessions on the same
/// model bytes and inputs, checks that their outputs agree, then times them interleaved. A failure of one engine on
/// one workload is recorded in its row (the other engine is still timed alone) and the benchmark goes on.</summary>
public sealed class BenchRunner(IBenchEngine ort, IBenchEngine strata, TimingPolicy policy, TextWriter log)
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
                    results.Add(new BenchResult(workload.Name, workload.Group, t, workload.Flops, null, null, null, null, "build: " + e.Message));
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
        using var ortSession = Open(ort, model, threads, errors);
        using var strataSession = Open(strata, model, threads, errors);
        OutputAgreement? agreement = null;
        LatencySummary? ortTime = null, strataTime = null;
        if (ortSession is not null && strataSession is not null)
        {
            agreement = OutputAgreement.Compare(strataSession.Outputs(), ortSession.Outputs());
            (ortTime, strataTime) = InterleavedTimer.Time(ortSession.Run, strataSession.Run, policy);
        }
        else if (ortSession is not null)
            ortTime = InterleavedTimer.TimeAlone(ortSession.Run, policy);
        else if (strataSession is not null)
            strataTime = InterleavedTimer.TimeAlone(strataSession.Run, policy);
        return new BenchResult(workload.Name, workload.Group, threads, workload.Flops, ortTime, strataTime, agreement,
            strataSession?.Note, errors.Count == 0 ? null : string.Join("; ", errors));
    }

    /// <summary>Opens a session, or records why it could not be opened. Any exception counts: an engine failing on a
    /// workload (ORT's OnnxRuntimeException, a Strata bug) is a result to report, not a reason to stop.</summary>
    private static IBenchSession? Open(IBenchEngine engine, WorkloadModel model, int threads, List<string> errors)
    {
        try
        {
            return engine.Open(model, threads);
        }
        catch (Exception e)
        {
            errors.Add($"{engine.Name}: {e.GetType().Name}: {FirstLine(e.Message)}");
            return null;
        }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    private static string Describe(BenchResult r)
    {
        static string Ms(LatencySummary? s) => s is null ? "—" : $"{s.Median * 1e3:F3} ms";
        string ratio = r.Ratio is { } x ? $"ratio {x:F2}" : "no ratio";
        string check = r.Agreement is null ? "" : r.Agreement.Agree ? " ok" : $" MISMATCH ({r.Agreement.Problem})";
        string error = r.Error is null ? "" : $" [{r.Error}]";
        return $"{r.Workload} t={r.Threads}: ort {Ms(r.Ort)}, strata {Ms(r.Strata)}, {ratio}{check}{error}";
    }
}
