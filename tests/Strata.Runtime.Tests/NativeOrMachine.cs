using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;

namespace Strata.Runtime.Tests;

/// <summary>Runs a compiled test model at the level a test case names: natively (<c>target</c> null: a session over
/// the graph with the same compiler options, every kernel native) or through the Machine interpreter for that target
/// (every lowering stage verified).</summary>
internal static class NativeOrMachine
{
    public static IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, CompilerOptions? compiler, CompiledModel model,
        IReadOnlyDictionary<string, RuntimeValue> inputs, string? target)
    {
        if (target is not null)
            return MachineCompiler.Lower(model, Target.Get(target), MachineLoweringOptions.Default with { VerifyEach = true }).Run(inputs);
        using var session = InferenceSession.Create(graph, new SessionOptions { Threads = 1, Compiler = compiler });
        var actual = session.Run(inputs)!;
        Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
        return actual;
    }
}
