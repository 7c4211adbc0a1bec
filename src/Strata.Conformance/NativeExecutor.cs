using Strata.Core;
using Strata.Runtime;

namespace Strata.Conformance;

/// <summary>Level 4: runs the graph through an <see cref="InferenceSession"/> at <see cref="ExecutionLevel.Native"/>, as
/// <c>strata run</c> does: compiled down to Block (small inputs as constants, like the block executor), lowered to
/// Machine for <see cref="Target"/>, every kernel compiled to native code by the clr backend, run with the memory plan;
/// fallbacks through the reference ops. One thread per test: the runner already runs tests in parallel.</summary>
public sealed class NativeExecutor(Target target) : IConformanceExecutor
{
    public Target Target { get; } = target;

    public string Name => "native";

    /// <summary>Check every memory access (<c>--checked</c>).</summary>
    public bool Checked { get; init; }

    /// <summary>Called with each compiled program's stats (tests count kernels that did not run natively).</summary>
    public Action<string, ProgramStats>? OnCompiled { get; init; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var options = new SessionOptions { Target = Target, Threads = 1, Checked = Checked, Level = ExecutionLevel.Native, SpecializeSmallInputs = 16 };
        using var session = InferenceSession.Create(graph, options);
        var program = session.Compile(inputs);
        OnCompiled?.Invoke(graph.Name, program.Stats);
        return program.Run(inputs);
    }
}
