using System.Runtime.CompilerServices;
using System.Text;
using Strata.Block.Verification;
using Strata.Conformance;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Execution;
using Xunit.Abstractions;

namespace Strata.Block.Tests.Lowering;

/// <summary>The acceptance test "any legal config is correct": every kernel that fusion forms from the conformance
/// models of the core inference ops is lowered to Block under 5 random legal configs; each lowering runs (instances
/// shuffled, races checked) on the kernel's real inputs and must match the Tile interpreter; and the whole program,
/// run with the Block results, must match the test's expected outputs (those from the ONNX reference) unless the test
/// is listed as failing at graph or tile level.</summary>
public sealed class ConformanceKernelTests(ITestOutputHelper output)
{
    /// <summary>The core inference ops of the foundation issue (tests counted by their tested op).</summary>
    public static readonly HashSet<string> CoreOps = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu", "Gelu", "Erf",
        "Softmax", "LogSoftmax", "MatMul", "Gemm", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
        "BatchNormalization", "LayerNormalization", "InstanceNormalization", "Reshape", "Transpose", "Concat", "Split", "Slice",
        "Gather", "Squeeze", "Unsqueeze", "Flatten", "Expand", "Where", "Equal", "Less", "Greater", "Cast", "ReduceMean",
        "ReduceSum", "ReduceMax", "ReduceMin", "Clip", "Min", "Max", "Abs", "Neg", "Reciprocal", "Identity", "Shape",
        "ConstantOfShape", "Constant", "Range", "Pad", "Resize", "Tile", "Einsum", "Attention",
    };

    public const int ConfigsPerKernel = 5;

    private static string NodeDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../../shared/conformance/onnx/node"));

    private static string ExpectedFailuresDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../Strata.Conformance.Tests"));

    /// <summary>Compiles like the Tile level's conformance executor; runs every kernel by the Tile interpreter and under
    /// random configs at Block level, throwing on the first difference; passes on the last Block result.</summary>
    private sealed class RandomConfigExecutor : IConformanceExecutor
    {
        public int Kernels;
        public int Lowerings;

        public string Name => "block-random";

        public IReadOnlyDictionary<string, RuntimeValue?> Run(Graph.Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
        {
            var compiler = new TileCompiler(new TileCompilerOptions { SpecializeSmallInputs = 16 });
            var program = compiler.Compile(graph, inputs);
            var rng = new Random(StableHash(graph.Name));
            var executor = new TileProgramExecutor { RunKernel = (k, ins) => RunKernel(k, ins, rng) };
            return executor.Run(program, inputs);
        }

        private Tensor[] RunKernel(TileKernel kernel, IReadOnlyList<Tensor> inputs, Random rng)
        {
            var expected = TileInterpreter.Run(kernel, inputs);
            var space = KnobSpace.For(kernel);
            Interlocked.Increment(ref Kernels);
            Tensor[] last = expected;
            for (int i = 0; i < ConfigsPerKernel; i++)
            {
                var config = space.Random(rng);
                var lowered = TileToBlock.Lower(kernel, config);
                BlockVerifier.Verify(lowered);
                last = [.. BlockInterpreter.Call(lowered, inputs, new BlockRunOptions(ProgramOrder.Shuffled, i))];
                Interlocked.Increment(ref Lowerings);
                for (int o = 0; o < expected.Length; o++)
                    if (Differs(expected[o], last[o]) is { } why)
                        throw new InvalidOperationException($"kernel @{kernel.Name} under {config}: output %{kernel.Outputs[o].Name} {why}");
            }
            return last;
        }
    }

    /// <summary>Elements within a tolerance that allows for a different order of accumulation in the element type,
    /// scaled by the largest magnitude in the tensor.</summary>
    private static string? Differs(Tensor expected, Tensor actual)
    {
        var t = expected.DataType;
        double rtol = t switch { DataType.Float64 => 1e-10, DataType.Float32 => 1e-5, DataType.Float16 => 4e-3, DataType.BFloat16 => 3e-2, _ => 0 };
        double scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double v = ScalarSemantics.Read(expected, i).ToDouble(t);
            if (double.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        }
        return LoweringCheck.Compare(expected, actual, 0) is null ? null
            : ScalarSemantics.IsFloat(t) ? CompareScaled(expected, actual, rtol, scale) : LoweringCheck.Compare(expected, actual, 0);
    }

    private static string? CompareScaled(Tensor expected, Tensor actual, double rtol, double scale)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double e = ScalarSemantics.Read(expected, i).F, a = ScalarSemantics.Read(actual, i).F;
            if (e == a || (double.IsNaN(e) && double.IsNaN(a))) continue;
            if (!(Math.Abs(e - a) <= rtol * (Math.Abs(e) + scale) * 4)) return $"differs at flat index {i}: expected {e}, got {a}";
        }
        return null;
    }

    private static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) h = (h ^ c) * 16777619;
        return (int)(h & 0x7fffffff);
    }

    [Fact]
    public void AnyLegalConfigIsCorrectOnCoreOpConformanceKernels()
    {
        var dir = NodeDirectory();
        if (!Directory.Exists(dir)) { output.WriteLine($"no conformance folder at {dir}"); return; }
        var tests = ConformanceRunner.Discover(dir).Where(t => CoreOps.Contains(t.Op)).ToList();

        // Tests known to fail at tile level (the Block level runs the Tile level's kernels) may fail here too.
        var expected = ExpectedFailures.ForLevel(ExpectedFailuresDirectory(), "tile");
        var blockExecutor = new RandomConfigExecutor();
        var block = new ConformanceRunner(blockExecutor, new ConformanceOptions { Timeout = TimeSpan.FromMinutes(10) }).RunAll(tests);

        var kernelFailures = block.Results.Where(r => r.Reason.Contains("under {")).ToList();
        var regressions = block.Results.Where(r => r.Status != ConformanceStatus.Passed && !expected.Contains(r.Name)).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"{tests.Count} core-op tests at block level with random configs: {block.SummaryLine}");
        sb.AppendLine($"{blockExecutor.Kernels} kernels, {blockExecutor.Lowerings} random lowerings checked against the Tile interpreter");
        foreach (var r in kernelFailures.Concat(regressions).DistinctBy(r => r.Name)) sb.AppendLine($"  {r.Name}: {r.Reason}");
        output.WriteLine(sb.ToString());
        Assert.True(kernelFailures.Count == 0 && regressions.Count == 0, sb.ToString());
        Assert.True(blockExecutor.Lowerings >= ConfigsPerKernel * 100, $"only {blockExecutor.Lowerings} lowerings ran");
    }
}
