using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Strata.Bench.Workloads;
using Strata.Core;

namespace Strata.Bench.Engines;

/// <summary>ONNX Runtime (CPU execution provider): ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1,
/// sequential execution; its intra-op threads spin between runs (ORT's default) unless <paramref name="spinning"/> is
/// false. A spinning ORT thread keeps a core busy after each ORT run, and on a 2-core machine that core is taken from
/// the Strata run that follows in the interleaved order (Strata's 1024³ MatMul at 2 threads: 10.6 ms beside a spinning
/// ORT, 5.4 ms beside a non-spinning one); without spinning ORT itself wakes slower on small 2-thread workloads. So
/// 2-thread ratios with spinning understate Strata and without it understate ORT; 1-thread runs have no ORT pool. Inputs are bound once as OrtValues; after the first run the outputs are pre-allocated, so
/// timed runs use ORT's fastest path (no output allocation).</summary>
public sealed class OrtEngine(bool spinning = true) : IBenchEngine
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

        public OrtBenchSession(WorkloadModel model, int threads, bool spinning)
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
            if (!spinning) _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
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
