using Strata.Bench.Workloads;

namespace Strata.Bench.Engines;

/// <summary>An inference engine under test. <see cref="Open"/> loads the workload's model bytes with a thread
/// count, binds its inputs once, and runs it once (so a session that opened has shown it can run).</summary>
public interface IBenchEngine
{
    /// <summary>Short name for tables: "ort", "strata", "reference".</summary>
    string Name { get; }

    IBenchSession Open(WorkloadModel model, int threads);
}

/// <summary>A loaded model with its inputs bound. <see cref="Run"/> is the timed call: one inference on the bound
/// inputs; <see cref="Outputs"/> returns the last run's outputs (copied, in graph output order) for the check.</summary>
public interface IBenchSession : IDisposable
{
    void Run();

    IReadOnlyList<OutputTensor> Outputs();

    /// <summary>A line about how the engine ran the model (e.g. how many kernels were native), or null.</summary>
    string? Note { get; }
}

/// <summary>One fp32 output.</summary>
public sealed record OutputTensor(string Name, int[] Shape, float[] Data);
