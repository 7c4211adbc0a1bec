using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Passes;

namespace Strata.Runtime;

/// <summary>How an <see cref="InferenceSession"/> compiles and runs its model.</summary>
public sealed record SessionOptions
{
    public static SessionOptions Default { get; } = new();

    /// <summary>The machine to compile for (default: this one). Code for a target this machine cannot run is
    /// emulated by the Machine interpreter.</summary>
    public Target Target { get; init; } = TargetCatalog.Host;

    /// <summary>Threads that run a kernel's program instances, the caller included (0: every core; <c>--threads N</c>).</summary>
    public int Threads { get; init; }

    /// <summary>Idle worker threads keep watching for work for <see cref="WorkerPool.SpinMicroseconds"/> after a run
    /// returns (default), so back-to-back runs find them awake; false parks them when the run returns, so they never
    /// spin into whatever the process does next (ONNX Runtime's <c>session.force_spinning_stop = 1</c>). Inside a run
    /// they spin between kernels either way.</summary>
    public bool SpinAfterRun { get; init; } = true;

    /// <summary>Bounds-check every memory access of native kernels (<c>--checked</c>).</summary>
    public bool Checked { get; init; }

    /// <summary>Where kernels run: natively (default), in the Machine interpreter, in the Block interpreter, or the
    /// whole graph in the reference interpreter.</summary>
    public ExecutionLevel Level { get; init; } = ExecutionLevel.Native;

    /// <summary>Binds the shapes of inputs (those with symbolic dims must be named) at creation: the session compiles
    /// eagerly and its <see cref="InferenceSession.Inputs"/> show these shapes; a run with other shapes is an error.</summary>
    public IReadOnlyDictionary<string, int[]>? InputShapes { get; init; }

    /// <summary>Numeric inputs with at most this many elements are compiled as constants; their values become part of
    /// the cache key (0: none; conformance uses 16 — shapes, axes, pads given as tensors).</summary>
    public int SpecializeSmallInputs { get; init; }

    /// <summary>The compiler's options (default: <see cref="CompilerOptions.Default"/>).</summary>
    public CompilerOptions? Compiler { get; init; }

    /// <summary>Block→Machine lowering switches (default: <see cref="MachineLoweringOptions.Default"/>; the compiler's
    /// <c>VerifyEach</c> and <c>DumpDirectory</c> apply to it too).</summary>
    public MachineLoweringOptions? MachineLowering { get; init; }

    /// <summary>The Machine passes run on every kernel after Block→Machine lowering (default:
    /// <see cref="MachinePipeline.Default"/>; tests inject passes here; verified after each pass with <c>VerifyEach</c>).</summary>
    public MachinePipeline? MachinePasses { get; init; }

    /// <summary>The native backend's registered name.</summary>
    public string Backend { get; init; } = "clr";

    /// <summary>Ops, lowerings and backends (default: <see cref="RuntimeRegistry.Default"/>, the built-ins).</summary>
    public ExtensionRegistry? Registry { get; init; }
}
