using System.Runtime.CompilerServices;
using System.Text;
using Strata.Block;
using Strata.Conformance;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Verification;
using Strata.Tile;
using Strata.Tile.Execution;
using Xunit.Abstractions;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Acceptance of the Machine lowering: every kernel that fusion forms from the conformance models of the core
/// inference ops is lowered to Block under its default config and 2 random legal configs, and each of those to Machine
/// for every known target; each Machine kernel runs on the kernel's real inputs (instances shuffled, races checked) and
/// must match the Block interpreter; and the whole program, run with the Machine results, must match the test's
/// expected outputs unless the test is listed as failing at graph, tile or block level.</summary>
public sealed class ConformanceKernelTests(ITestOutputHelper output)
{
    public const int RandomConfigsPerKernel = 2;

    /// <summary>The core inference ops of the foundation issue (the Block level's ConformanceKernelTests list).</summary>
    public static readonly HashSet<string> CoreOps = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu", "Gelu", "Erf",
        "Softmax", "LogSoftmax", "MatMul", "Gemm", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
        "BatchNormalization", "LayerNormalization", "InstanceNormalization", "Reshape", "Transpose", "Concat", "Split", "Slice",
        "Gather", "Squeeze", "Unsqueeze", "Flatten", "Expand", "Where", "Equal", "Less", "Greater", "Cast", "ReduceMean",
        "ReduceSum", "ReduceMax", "ReduceMin", "Clip", "Min", "Max", "Abs", "Neg", "Reciprocal", "Identity", "Shape",
        "ConstantOfShape", "Constant", "Range", "Pad", "Resize", "Tile", "Einsum", "Attention",
    };

    private static string NodeDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../../shared/conformance/onnx/node"));

    private static string ExpectedFailuresDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../Strata.Conformance.Tests"));

    private sealed class EveryTargetExecutor : IConformanceExecutor
    {
        public int Kernels;
        public int Lowerings;

        public string Name => "machine-every-target";

        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            var program = new TileCompiler(new TileCompilerOptions { SpecializeSmallInputs = 16 }).Compile(graph, inputs);
            var rng = new Random(StableHash(graph.Name));
            return new TileProgramExecutor { RunKernel = (k, ins) => RunKernel(k, ins, rng) }.Run(program, inputs);
        }

        private Tensor[] RunKernel(TileKernel kernel, IReadOnlyList<Tensor> inputs, Random rng)
        {
            var space = KnobSpace.For(kernel);
            Interlocked.Increment(ref Kernels);
            Tensor[]? first = null;
            var configs = new List<Config> { space.Default() };
            for (int i = 0; i < RandomConfigsPerKernel; i++) configs.Add(space.Random(rng));
            foreach (var config in configs)
            {
                var block = TileToBlock.Lower(kernel, config);
                var expected = BlockInterpreter.Call(block, inputs);
                foreach (var target in Target.Known)
                {
                    var machine = BlockToMachine.Lower(block, config, target);
                    MachineVerifier.Verify(machine);
                    var actual = MachineInterpreter.Call(machine, inputs, new MachineRunOptions(ProgramOrder.Shuffled, Lowerings));
                    Interlocked.Increment(ref Lowerings);
                    for (int o = 0; o < expected.Count; o++)
                        if (MachineLoweringCheck.Compare(expected[o], actual[o]) is { } why)
                            throw new InvalidOperationException($"kernel @{kernel.Name} under {config} for {target}: output %{kernel.Outputs[o].Name} {why}");
                    first ??= [.. actual];
                }
            }
            return first!;
        }
    }

    private static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) h = (h ^ c) * 16777619;
        return (int)(h & 0x7fffffff);
    }

    [Fact]
    public void EveryCoreOpKernelLowersCorrectlyForEveryTarget()
    {
        var dir = NodeDirectory();
        if (!Directory.Exists(dir)) { output.WriteLine($"no conformance folder at {dir}"); return; }
        var tests = ConformanceRunner.Discover(dir).Where(t => CoreOps.Contains(t.Op)).ToList();
        var expected = ExpectedFailures.ForLevel(ExpectedFailuresDirectory(), "block");
        var executor = new EveryTargetExecutor();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = new ConformanceRunner(executor, new ConformanceOptions { Timeout = TimeSpan.FromMinutes(10) }).RunAll(tests);
        var kernelFailures = result.Results.Where(r => r.Reason.Contains(" under {")).ToList();
        var regressions = result.Results.Where(r => r.Status != ConformanceStatus.Passed && !expected.Contains(r.Name)).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"{tests.Count} core-op tests at machine level, every target, default + {RandomConfigsPerKernel} random configs: {result.SummaryLine} in {watch.Elapsed.TotalSeconds:F0} s");
        sb.AppendLine($"{executor.Kernels} kernels, {executor.Lowerings} Machine lowerings checked against the Block interpreter");
        foreach (var r in kernelFailures.Concat(regressions).DistinctBy(r => r.Name)) sb.AppendLine($"  {r.Name}: {r.Reason}");
        output.WriteLine(sb.ToString());
        Assert.True(kernelFailures.Count == 0 && regressions.Count == 0, sb.ToString());
        Assert.True(executor.Lowerings >= 4 * 3 * 500, $"only {executor.Lowerings} lowerings ran");
    }
}
