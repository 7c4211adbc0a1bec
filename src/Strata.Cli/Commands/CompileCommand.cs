using System.CommandLine;
using System.Globalization;
using Strata.Block.Compilation;
using Strata.Cli.Execution;
using Strata.Machine.Compilation;
using Strata.Machine.Lowering;
using Strata.Runtime;
using Strata.Tile.Execution;

namespace Strata.Cli.Commands;

/// <summary><c>strata compile MODEL</c>: compiles a model down to the Machine level for a target and prints, per kernel,
/// the graph nodes it implements, its config and its Block and Machine forms, then the lowered-vs-fallback counts
/// overall and per op, then the runtime's view: kernels by the level they run at and the memory plan (arena bytes
/// against the bytes of all intermediate tensors). <c>--dump-ir DIR</c> writes every level's text (<see cref="IrDump"/>,
/// and <c>KERNEL/machine.strata</c>); <c>--verify-each</c> verifies after every pass.</summary>
public static class CompileCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an ONNX model" };
        var inputs = new ModelInputOptions();
        var dump = new Option<string?>("--dump-ir") { Description = "Write the text of every kernel after every pass, at every level, into this folder" };
        var verify = new Option<bool>("--verify-each") { Description = "Verify the IR after every pass (stops at the first invalid one, naming the pass)" };
        var target = new Option<string>("--target")
        {
            Description = $"Target to lower for: host (default), {string.Join(", ", Core.Target.Known.Select(t => t.Name))}, NAME-dp (double-pumped full-width FMAs)",
            DefaultValueFactory = _ => "host",
        };
        var cmd = new Command("compile", "Compile a model to Tile, Block and Machine kernels; report them and the memory plan") { model, dump, verify, target };
        inputs.AddTo(cmd);
        cmd.SetAction(parse => CliErrors.Run(parse, output =>
        {
            var graph = ModelLoader.Load(parse.GetValue(model)!);
            // Only the shapes matter: values not given are random (seed 0).
            var values = inputs.Load(parse, graph, defaultSeed: 0);
            var t = Core.Target.Get(parse.GetValue(target)!);
            var options = CompilerOptions.Default with { DumpDirectory = parse.GetValue(dump), VerifyEach = parse.GetValue(verify) };
            var compiled = new Compiler(options).Compile(graph, values);
            var lowering = MachineLoweringOptions.Default with { DumpDirectory = parse.GetValue(dump), VerifyEach = parse.GetValue(verify), ContinueOnKernelError = true };
            var machine = MachineCompiler.Lower(compiled, t, lowering);
            Write(output, compiled, machine);
            // The runtime compiles on its own (the same steps, plus the backend and the memory plan) from a fresh copy:
            // the compiler above specialised `graph` to these inputs.
            var session = RunSettings.Create(TargetSupport.RunsNatively(t) ? "native" : "machine", 1, false, t.Name);
            using var runtime = InferenceSession.Create(ModelLoader.Load(parse.GetValue(model)!), LevelRunner.SessionOptionsFor(session));
            WritePlan(output, session.Level, runtime.Compile(values).Stats);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The report: one block per kernel, one line per fallback, then the counts.</summary>
    public static void Write(TextWriter output, CompiledModel model, MachineModel? machine = null)
    {
        var lowered = machine?.Kernels.ToDictionary(k => k.Name, StringComparer.Ordinal);
        output.WriteLine($"compiled @{model.Graph.Name}: {model.Kernels.Length} kernels, {model.Program.Fallbacks.Count()} fallbacks");
        var kernels = model.Kernels.ToDictionary(k => k.Name, StringComparer.Ordinal);
        foreach (var step in model.Program.Steps)
        {
            if (step is Tile.KernelStep k)
            {
                var c = kernels[k.Kernel.Name];
                output.WriteLine($"kernel @{c.Name}: {string.Join(", ", k.Nodes.Select(n => n.OpKey))}");
                output.WriteLine($"  nodes:  {string.Join(", ", k.Nodes.Select(NodeText))}");
                output.WriteLine($"  values: ({string.Join(", ", k.Inputs.Select(v => "%" + v.Name))}) -> ({string.Join(", ", k.Outputs.Select(v => "%" + v.Name))})");
                output.WriteLine($"  config: {c.Config}");
                if (c.Block is { } b)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  block:  grid({string.Join(", ", b.Grid)}), {b.Body.Length} top-level ops"));
                if (lowered?.GetValueOrDefault(c.Name) is { } m)
                    output.WriteLine(m.Machine is { } mk
                        ? string.Create(CultureInfo.InvariantCulture, $"  machine: {mk.Target.Name}, programs({string.Join(", ", mk.Grid)}), {Statements(mk.Body)} statements, {mk.Buffers.Length} local buffers")
                        : $"  machine: not lowered ({m.Failure})");
            }
            else if (step is Tile.FallbackStep f)
                output.WriteLine($"fallback {f.Node.OpKey} ({NodeText(f.Node)}): {f.Reason}");
        }
        WriteStats(output, model.Stats);
    }

    /// <summary>The runtime's compiled program: kernels by the level they run at, fallbacks, and the memory plan.</summary>
    public static void WritePlan(TextWriter output, string level, ProgramStats stats)
    {
        var byLevel = stats.Kernels.GroupBy(k => k.Level).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        output.WriteLine($"runtime ({level}): {stats.Kernels.Length} kernels ({string.Join(", ", byLevel)}), {stats.Fallbacks.Length} fallback nodes");
        foreach (var k in stats.Degraded) output.WriteLine($"  kernel @{k.Name} runs at {k.Level.ToString().ToLowerInvariant()} level: {k.Reason}");
        double ratio = stats.GraphIntermediateBytes == 0 ? 0 : (double)stats.ArenaBytes / stats.GraphIntermediateBytes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory plan: arena {stats.ArenaBytes:N0} bytes, intermediate tensors {stats.GraphIntermediateBytes:N0} bytes (arena/intermediates {ratio * 100:F1}%)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  planned buffers {stats.IntermediateBytes:N0} bytes (peak live {stats.PeakLiveBytes:N0}); constants {stats.ConstantBytes:N0} bytes ({stats.FoldedKernels} folded kernels, {stats.FoldedBytes:N0} bytes)"));
        if (stats.InPlaceKernels > 0 || stats.OverInputKernels > 0)
            output.WriteLine($"  in place: {stats.InPlaceKernels} concats (their inputs' producers write into them; they never run), "
                + $"{stats.OverInputKernels} kernels writing an output over a dying input");
    }

    private static int Statements(IEnumerable<Machine.MStmt> body) => body.Sum(s => 1 + s switch
    {
        Machine.LoopStmt l => Statements(l.Body),
        Machine.IfStmt i => Statements(i.Then) + Statements(i.Else),
        _ => 0,
    });

    public static void WriteStats(TextWriter output, LoweringStats stats)
    {
        output.WriteLine(stats.SummaryLine);
        if (stats.ByOp.IsEmpty) return;
        int width = Math.Max(2, stats.ByOp.Max(c => c.Op.Length));
        output.WriteLine($"  {"op".PadRight(width)}  lowered  fallback  removed");
        foreach (var c in stats.ByOp)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Op.PadRight(width)}  {c.Lowered,7}  {c.Fallback,8}  {c.Removed,7}"));
    }

    private static string NodeText(Graph.Node n) =>
        $"{n.OpKey} -> {string.Join(", ", n.Outputs.Select(v => v is null ? "_" : "%" + v.Name))}";
}
