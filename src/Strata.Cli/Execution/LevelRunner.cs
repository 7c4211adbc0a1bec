using Strata.Block.Compilation;
using Strata.Core;
using Strata.Graph;
using Strata.Tile.Execution;

namespace Strata.Cli.Execution;

/// <summary>A model compiled (once) at one level, ready to run many times: what <c>strata run</c> runs once and
/// <c>strata bench</c> times. <see cref="Summary"/> is one line saying what was compiled.</summary>
public sealed class LevelRunner : IDisposable
{
    private readonly Func<IReadOnlyDictionary<string, RuntimeValue>, IReadOnlyDictionary<string, RuntimeValue?>> _run;
    private readonly IDisposable? _owned;

    private LevelRunner(string? summary, Func<IReadOnlyDictionary<string, RuntimeValue>, IReadOnlyDictionary<string, RuntimeValue?>> run, IDisposable? owned = null)
    {
        Summary = summary;
        _run = run;
        _owned = owned;
    }

    /// <summary>One line about the compiled program (kernels, fallbacks), or null at graph level.</summary>
    public string? Summary { get; }

    public IReadOnlyDictionary<string, RuntimeValue?> Run(IReadOnlyDictionary<string, RuntimeValue> inputs) => _run(inputs);

    public void Dispose() => _owned?.Dispose();

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
                throw new StrataException(ErrorCode.NotImplemented, $"--level {settings.Level} needs the runtime (InferenceSession), which this build lacks",
                    "use --level graph, tile or block");
        }
    }
}
