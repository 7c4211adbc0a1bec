using Strata.Bench.Workloads;
using Strata.Core;
using Strata.Runtime;

namespace Strata.Bench.Engines;

/// <summary>Strata's runtime: <see cref="InferenceSession"/> with <c>Threads</c> = threads at the default level
/// (native, with the runtime's own fallbacks to slower levels — the note says how many kernels ran where). The model
/// bytes are written to a temporary file and loaded with <see cref="InferenceSession.Create(string, SessionOptions?)"/>,
/// so Strata imports exactly the bytes ONNX Runtime gets. Opening compiles (the first run binds the input shapes).
/// Timed runs write into the first run's output tensors (<see cref="InferenceSession.Run(IReadOnlyDictionary{string, RuntimeValue}, IReadOnlyDictionary{string, Tensor}, RunProfile?)"/>),
/// as the ORT engine runs into pre-allocated outputs: neither engine allocates per timed run. Its idle workers spin
/// after a run only when ORT's do (<see cref="OrtSpinning.Always"/>): in the interleaved order neither engine runs
/// beside the other's spinning threads.</summary>
public sealed class StrataEngine(bool spinAfterRun = false) : IBenchEngine
{
    public string Name => "strata";

    public IBenchSession Open(WorkloadModel model, int threads) => new Session(model, threads, spinAfterRun);

    private sealed class Session : IBenchSession
    {
        private readonly InferenceSession _session;
        private readonly Dictionary<string, RuntimeValue> _inputs;
        private readonly string[] _outputNames;
        private readonly Dictionary<string, Tensor> _outputs;
        private IReadOnlyDictionary<string, RuntimeValue?> _last;

        public Session(WorkloadModel model, int threads, bool spinAfterRun)
        {
            string file = Path.Combine(Path.GetTempPath(), $"strata-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
            try
            {
                File.WriteAllBytes(file, model.OnnxBytes);
                _session = InferenceSession.Create(file, new SessionOptions { Threads = threads, SpinAfterRun = spinAfterRun });
            }
            finally
            {
                File.Delete(file);
            }
            _inputs = model.Inputs.ToDictionary(i => i.Name, i => (RuntimeValue)i.Value, StringComparer.Ordinal);
            _outputNames = _session.Outputs.Select(o => o.Name).ToArray();
            _last = _session.Run(_inputs);
            Note = _session.Stats?.SummaryLine;
            // The first run's outputs become the buffers of every later run (a graph output that is an input stays out).
            _outputs = _last.Where(kv => kv.Value is Tensor t && !_inputs.Values.Any(i => ReferenceEquals(i, t)))
                .ToDictionary(kv => kv.Key, kv => (Tensor)kv.Value!, StringComparer.Ordinal);
        }

        public string? Note { get; }

        public void Run() => _last = _session.Run(_inputs, _outputs);

        public IReadOnlyList<OutputTensor> Outputs() => StrataOutputs.Read(_outputNames, _last);

        public void Dispose() => _session.Dispose();
    }
}
