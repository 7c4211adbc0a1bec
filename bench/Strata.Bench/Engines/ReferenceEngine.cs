using Strata.Bench.Workloads;
using Strata.Core;
using Strata.Graph;
using Strata.Onnx;

namespace Strata.Bench.Engines;

/// <summary>Strata's Graph-level reference interpreter: slow, single-threaded, but the definition of every op.
/// It tests the harness (and the ORT side) without the native runtime: <c>--strata reference</c>.</summary>
public sealed class ReferenceEngine : IBenchEngine
{
    public string Name => "reference";

    public IBenchSession Open(WorkloadModel model, int threads) => new GraphSession(model);

    private sealed class GraphSession : IBenchSession
    {
        private readonly Graph.Graph _graph;
        private readonly Dictionary<string, RuntimeValue> _inputs;
        private readonly GraphInterpreter _interpreter = new();
        private IReadOnlyDictionary<string, RuntimeValue?> _last;

        public GraphSession(WorkloadModel model)
        {
            _graph = OnnxImporter.Load(model.OnnxBytes);
            _inputs = model.Inputs.ToDictionary(i => i.Name, i => (RuntimeValue)i.Value, StringComparer.Ordinal);
            _last = _interpreter.Run(_graph, _inputs);
        }

        public string? Note => "graph interpreter";

        public void Run() => _last = _interpreter.Run(_graph, _inputs);

        public IReadOnlyList<OutputTensor> Outputs() => StrataOutputs.Read(_graph.Outputs.Select(o => o.Name).ToList(), _last);

        public void Dispose() { }
    }
}
