using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Strata.Backends.Clr.Helpers;
using Strata.Block;
using Strata.Conformance;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Lowering;
using Strata.Tile;
using Strata.Tile.Execution;
using Xunit.Abstractions;

namespace Strata.Backends.Clr.Tests;

/// <summary>Lowered kernels of real models: for a selection of conformance models, every fused kernel is lowered
/// (default config) to Block and then to Machine for every target this host runs, compiled natively, and run on the
/// kernel's real inputs; each output must be bit-identical to the Machine interpreter's (within
/// <see cref="PropagatedUlps"/> where the kernel computes f32 exp/erf/tanh/sigmoid, the documented exception), and the whole model, run
/// with the native results, must match the test's expected outputs (unless it fails at block level already).</summary>
public sealed class ConformanceNativeTests(ITestOutputHelper output)
{
    /// <summary>An output's distance from the interpreter where a kernel uses VectorMath: each approximated value is
    /// within <see cref="VectorMath.MaxUlps"/>, and the kernel's arithmetic after it carries that error on — a softmax
    /// output is e·(1/Σe), so one exp's ulp reaches it directly, through the row sum and through the reciprocal
    /// (test_softmax_axis_1: 2 ulps). A wrong lowering is off by far more.</summary>
    private const int PropagatedUlps = 4 * VectorMath.MaxUlps;

    private static readonly Regex Selection = new(
        "^test_(softmax_axis_1|softmax_example|matmul_2d|matmul_3d|gemm_all_attributes|gemm_transposeB|conv_with_strides_padding|" +
        "layer_normalization_2d_axis1|gather_0|gather_2d_indices|relu|sigmoid|gelu_default_2|reduce_mean_keepdims_random|where_example|" +
        "maxpool_2d_pads|averagepool_2d_strides|cast_FLOAT_to_INT32|add_bcast|clip_default_inbounds|batchnorm_epsilon|tanh|erf)$",
        RegexOptions.CultureInvariant);

    private static string NodeDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../shared/conformance/onnx/node"));

    private static string ExpectedFailuresDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../Strata.Conformance.Tests"));

    private sealed class NativeExecutor : IConformanceExecutor
    {
        public int Kernels;
        public readonly List<string> Compiled = [];

        public string Name => "clr-native";

        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            var program = new TileCompiler(new TileCompilerOptions { SpecializeSmallInputs = 16 }).Compile(graph, inputs);
            return new TileProgramExecutor { RunKernel = RunKernel }.Run(program, inputs);
        }

        private Tensor[] RunKernel(TileKernel kernel, IReadOnlyList<Tensor> inputs)
        {
            var config = KnobSpace.For(kernel).Default();
            var block = TileToBlock.Lower(kernel, config);
            Tensor[]? first = null;
            foreach (var target in Target.Known.Where(NativeHarness.Backend.CanRun))
            {
                var machine = BlockToMachine.Lower(block, config, target);
                // Bit-identical, except the documented VectorMath ops (f32 exp/erf/tanh/sigmoid: within MaxUlps each,
                // and what the kernel computes from them after).
                var native = NativeHarness.AssertMatchesInterpreter(machine, inputs, maxUlps: UsesVectorMath(machine.Body) ? PropagatedUlps : 0);
                Interlocked.Increment(ref Kernels);
                lock (Compiled) Compiled.Add($"{kernel.Name}@{target.Name}");
                first ??= [.. native];
            }
            return first!;
        }
    }

    private static bool UsesVectorMath(IEnumerable<MStmt> body) => body.Any(s => s switch
    {
        UnaryStmt u => u.Op is UnaryOp.Exp or UnaryOp.ExpNonPos or UnaryOp.Erf or UnaryOp.Tanh or UnaryOp.Sigmoid,
        LoopStmt l => UsesVectorMath(l.Body),
        IfStmt i => UsesVectorMath(i.Then) || UsesVectorMath(i.Else),
        _ => false,
    });

    [Fact]
    public void LoweredKernelsOfConformanceModelsRunNatively()
    {
        var dir = NodeDirectory();
        if (!Directory.Exists(dir)) { output.WriteLine($"no conformance folder at {dir}"); return; }
        var tests = ConformanceRunner.Discover(dir, Selection);
        var expected = ExpectedFailures.ForLevel(ExpectedFailuresDirectory(), "block");
        var executor = new NativeExecutor();
        var result = new ConformanceRunner(executor).RunAll(tests);
        var failures = result.Results.Where(r => r.Status != ConformanceStatus.Passed && !expected.Contains(r.Name)).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"{tests.Count} conformance models natively: {result.SummaryLine}; {executor.Kernels} native kernels checked against the interpreter");
        foreach (var r in failures) sb.AppendLine($"  {r.Name}: {r.Reason}");
        output.WriteLine(sb.ToString());
        Assert.True(failures.Count == 0, sb.ToString());
        Assert.True(tests.Count >= 15, $"only {tests.Count} tests matched the selection");
        Assert.True(executor.Kernels >= 3 * 15, $"only {executor.Kernels} native kernels ran");
    }
}
