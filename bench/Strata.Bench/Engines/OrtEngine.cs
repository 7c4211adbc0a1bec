using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Strata.Bench.Workloads;
using Strata.Core;

namespace Strata.Bench.Engines;

/// <summary>ONNX Runtime (CPU execution provider): ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1,
/// sequential execution; its intra-op threads spin as <paramref name="spinning"/> says (see <see cref="OrtSpinning"/>).
/// Inputs are bound once as OrtValues; after the first run the outputs are pre-allocated, so
/// timed runs use ORT's fastest path (no output allocation).</summary>
public sealed class OrtEngine(OrtSpinning spinning = OrtSpinning.WithinRun) : IBenchEngine
{
    public string Name => "ort";

    public IBenchSession Open(WorkloadModel model, int threads) => new OrtBenchSession(model, threads, spinning);

    private sealed class OrtBenchSession : IBenchSession
    {
        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly RunOptions _run = new();
        private readonly string[] _inputNames;
        private readonly OrtValue[] _inputs;
        private readonly string[] _outputNames;
        private readonly OrtValue[] _outputs;
        private readonly float[][] _outputData;
        private readonly int[][] _outputShapes;

        public OrtBenchSession(WorkloadModel model, int threads, OrtSpinning spinning)
        {
            _options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                // Warnings (e.g. "removing unused initializer" on the light models) would interleave with the progress log.
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            switch (spinning)
            {
                case OrtSpinning.WithinRun: _options.AddSessionConfigEntry("session.force_spinning_stop", "1"); break;
                case OrtSpinning.Off: _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); break;
            }
            _session = new InferenceSession(model.OnnxBytes, _options);
            _inputNames = model.Inputs.Select(i => i.Name).ToArray();
            _inputs = model.Inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Value.ToArray(),
                i.Value.Shape.Select(d => (long)d).ToArray())).ToArray();
            _outputNames = _session.OutputNames.ToArray();

            // The first run allocates the outputs; later runs write into buffers of the shapes it produced.
            using (var first = _session.Run(_run, _inputNames, _inputs, _outputNames))
            {
                _outputShapes = new int[first.Count][];
                _outputData = new float[first.Count][];
                int i = 0;
                foreach (var value in first)
                {
                    var info = value.GetTensorTypeAndShape();
                    if (info.ElementDataType != TensorElementType.Float)
                        throw new StrataException(ErrorCode.UnsupportedDataType,
                            $"output '{_outputNames[i]}' is {info.ElementDataType}, the benchmark compares fp32 outputs",
                            "benchmark models with fp32 outputs");
                    _outputShapes[i] = info.Shape.Select(d => (int)d).ToArray();
                    _outputData[i] = value.GetTensorDataAsSpan<float>().ToArray();
                    i++;
                }
            }
            _outputs = _outputData.Select((d, i) => OrtValue.CreateTensorValueFromMemory(d,
                _outputShapes[i].Select(x => (long)x).ToArray())).ToArray();
        }

        public string? Note => null;

        public void Run() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

        public IReadOnlyList<OutputTensor> Outputs() =>
            _outputNames.Select((n, i) => new OutputTensor(n, _outputShapes[i], (float[])_outputData[i].Clone())).ToList();

        public void Dispose()
        {
            foreach (var v in _outputs) v.Dispose();
            foreach (var v in _inputs) v.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
