using System.Diagnostics;
using Strata.Block;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;

namespace Strata.Runtime;

/// <summary>Compiles a graph for one input signature into a <see cref="NativeProgram"/>, as one visible sequence:
/// <list type="number">
/// <item>the Block <see cref="Compiler"/> (graph passes, fusion, Tile passes, Tile→Block, Block passes), going on past a
/// kernel that fails;</item>
/// <item>Block→Machine lowering of every kernel for the target (levels Machine and Native);</item>
/// <item>the native backend compiles every Machine kernel (level Native);</item>
/// <item>the memory plan and the constants (<see cref="ProgramBuilder"/>).</item>
/// </list>
/// A kernel that fails at a step runs at the level above it (a backend refusal → Machine interpreter; a failed Machine
/// lowering → Block interpreter; a failed Block compilation → Tile interpreter) and the reason is kept in
/// <see cref="ProgramStats"/>: a model always runs.</summary>
internal static class ProgramCompiler
{
    public static NativeProgram Compile(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs, SessionOptions options, WorkerPool pool)
    {
        var clock = Stopwatch.StartNew();
        var registry = options.Registry ?? RuntimeRegistry.Default;
        var compilerOptions = (options.Compiler ?? CompilerOptions.Default) with
        {
            ContinueOnKernelError = true,
            SpecializeSmallInputs = options.SpecializeSmallInputs,
        };
        if (options.Registry is not null) compilerOptions = compilerOptions with { Registry = options.Registry };
        var model = new Compiler(compilerOptions).Compile(graph, inputs);

        var level = options.Level;
        var machine = level >= ExecutionLevel.Machine ? MachineStage.Lower(model, options.Target, options.MachineLowering, compilerOptions, options.MachinePasses) : null;
        INativeBackend? backend = null;
        string? noBackend = null;
        if (level == ExecutionLevel.Native)
        {
            backend = registry.FindBackend(options.Backend) ?? RuntimeRegistry.Default.FindBackend(options.Backend);
            noBackend = backend is null ? $"no native backend named '{options.Backend}' is registered"
                : !backend.CanRun(options.Target) ? $"this machine cannot run code for target {options.Target.Name}: emulated"
                : null;
        }

        var runners = new List<KernelRunner>();
        for (int i = 0; i < model.Kernels.Length; i++)
        {
            var compiled = model.Kernels[i];
            if (compiled.Block is not { } block)
            {
                runners.Add(new TileKernelRunner(compiled.Step.Kernel) { Reason = $"{compiled.Failure?.Name} failed: {compiled.Failure?.Message}" });
                continue;
            }
            if (machine is null) { runners.Add(new BlockKernelRunner(block)); continue; }
            var (mk, failure) = machine[i];
            if (mk is null) { runners.Add(new BlockKernelRunner(block) { Reason = $"machine lowering failed: {failure}" }); continue; }
            runners.Add(level == ExecutionLevel.Native ? Native(mk, backend, noBackend, options) : new MachineKernelRunner(mk));
        }
        return ProgramBuilder.Build(model, runners, level, clock.Elapsed, pool, registry);
    }

    private static KernelRunner Native(MachineKernel kernel, INativeBackend? backend, string? noBackend, SessionOptions options)
    {
        if (backend is null || noBackend is not null) return new MachineKernelRunner(kernel) { Reason = noBackend };
        var clock = Stopwatch.StartNew();
        try
        {
            var native = backend.Compile(kernel, new NativeCompileOptions(options.Checked));
            return new NativeKernelRunner(native) { CompileTime = native.CompileTime == default ? clock.Elapsed : native.CompileTime };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new MachineKernelRunner(kernel) { Reason = $"backend {backend.Name} refused it: {(e is StrataException ? e.Message : $"{e.GetType().Name}: {e.Message}")}" };
        }
    }
}
