using Strata.Block.Compilation;
using Strata.Core;
using Strata.Graph;
using Strata.Runtime;
using Strata.Tile.Execution;

namespace Strata.Cli.Execution;

/// <summary>A model compiled (once) at one level, ready to run many times: what <c>strata run</c> runs once and
/// <c>strata bench</c> times. <see cref="Summary"/> is one line saying what was compiled.</summary>
public sealed class LevelRunner : IDisposable
{
    private readonly Func<IReadOnlyDictionary<string, RuntimeValue>, IReadOnlyDictionary<string, RuntimeValue?>> _run;
    private readonly IDisposable? _owned;
    private readonly InferenceSession? _session;

    private LevelRunner(string? summary, Func<IReadOnlyDictionary<string, RuntimeValue>, IReadOnlyDictionary<string, RuntimeValue?>> run, IDisposable? owned = null)
    {
        Summary = summary;
        _run = run;
        _owned = owned;
        _session = owned as InferenceSession;
    }

    /// <summary>One line about the compiled program (kernels, fallbacks), or null at graph level.</summary>
    public string? Summary { get; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs) => _run(inputs);

    /// <summary>Whether <see cref="Run(IReadOnlyDictionary{string, RuntimeValue}, RunProfile)"/> times each step
    /// (machine and native level: the runtime's steps).</summary>
    public bool CanProfile => _session is not null;

    /// <summary>One run with the time of each step recorded in <paramref name="profile"/> (where <see cref="CanProfile"/>).</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs, RunProfile profile) =>
        _session is { } s ? s.Run(inputs, profile) : _run(inputs);

    /// <summary>One run writing its tensor outputs into those of an earlier result, <paramref name="previous"/>, at
    /// machine and native level, so a timed run allocates no output (as ONNX Runtime's pre-allocated outputs do);
    /// other levels run as <see cref="Run(IReadOnlyDictionary{string, RuntimeValue})"/>.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> RunInto(IReadOnlyDictionary<string, RuntimeValue> inputs,
        IReadOnlyDictionary<string, RuntimeValue?> previous, RunProfile? profile = null)
    {
        if (_session is null) return _run(inputs);
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in previous)
            if (value is Tensor t) outputs[name] = t;
        return _session.Run(inputs, outputs, profile);
    }

    /// <summary>At machine and native level: the compiled program's kernels, fallbacks and memory plan.</summary>
    public ProgramStats? Stats { get; private init; }

    public void Dispose() => _owned?.Dispose();

    /// <summary>The session options of a machine or native level run: small inputs (shapes, axes, scales given as
    /// tensors) are compiled as constants, as at tile level and in conformance.</summary>
    public static SessionOptions SessionOptionsFor(RunSettings settings) => new()
    {
        Level = settings.Level == "machine" ? ExecutionLevel.Machine : ExecutionLevel.Native,
        Target = settings.Target,
        Threads = settings.Threads,
        Checked = settings.Checked,
        SpecializeSmallInputs = 16,
        Compiler = CompilerOptions.Default with { DumpDirectory = settings.DumpDirectory, VerifyEach = settings.VerifyEach },
        MachineLowering = settings.LoweringOff is { } off ? LoweringSwitches.Off(off) : null,
    };

    /// <summary>Compiles <paramref name="graph"/> for <paramref name="inputs"/>' shapes at <paramref name="settings"/>' level.</summary>
    public static LevelRunner Create(RunSettings settings, Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        switch (settings.Level)
        {
            case "graph":
                InputBinding.Specialize(graph, inputs);
                var interpreter = new GraphInterpreter();
                return new LevelRunner(null, values => interpreter.Run(graph, values));
            case "tile":
            {
                // Compiled for this run: small inputs (shapes, axes, scales) are compiled as constants, as in conformance.
                var options = new TileCompilerOptions { DumpDirectory = settings.DumpDirectory, VerifyEach = settings.VerifyEach, SpecializeSmallInputs = 16 };
                var (program, stats) = new TileCompiler(options).CompileCounted(graph, inputs);
                var executor = new TileProgramExecutor();
                return new LevelRunner($"tile: {program.Kernels.Count()} kernels, {program.Fallbacks.Count()} fallbacks; {stats.SummaryLine}",
                    values => executor.Run(program, values));
            }
            case "block":
            {
                var options = CompilerOptions.Default with { DumpDirectory = settings.DumpDirectory, VerifyEach = settings.VerifyEach };
                var compiled = new Compiler(options).Compile(graph, inputs);
                return new LevelRunner($"block: {compiled.Kernels.Length} kernels, {compiled.Program.Fallbacks.Count()} fallbacks; {compiled.Stats.SummaryLine}",
                    values => compiled.Run(values));
            }
            default:
            {
                var session = InferenceSession.Create(graph, SessionOptionsFor(settings));
                try
                {
                    var program = session.Compile(inputs);
                    return new LevelRunner($"{settings.Level} ({settings.Target.Name}): {program.Stats.Describe().TrimEnd()}", values => session.Run(values), session) { Stats = program.Stats };
                }
                catch
                {
                    session.Dispose();
                    throw;
                }
            }
        }
    }
}
