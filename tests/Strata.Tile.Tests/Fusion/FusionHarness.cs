using System.Text;
using Strata.Core;
using Strata.Graph;
using Strata.Graph.Text;
using Strata.Tile.Execution;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Fusion;

/// <summary>Compiles test graphs at Tile level, runs them, and compares with the reference interpreter.</summary>
internal static class FusionHarness
{
    public static ExtensionRegistry Registry => TileRegistry.Default;

    public static TileCompilerOptions Options => new() { Registry = Registry, VerifyEach = true };

    public static Dictionary<string, RuntimeValue> RandomInputs(Graph.Graph graph, int seed)
    {
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        int i = 0;
        foreach (var input in graph.Inputs)
        {
            var tt = (TensorType)input.Type!;
            var dims = tt.Shape!.ToConcrete()!;
            var r = new Random(seed + i++);
            var values = new double[ShapeMath.Size(dims)];
            for (int k = 0; k < values.Length; k++) values[k] = tt.ElementType.IsFloatingPoint() ? r.NextDouble() * 4 - 2 : r.Next(5);
            inputs[input.Name] = TensorConvert.FromDoubles(tt.ElementType, values, dims);
        }
        return inputs;
    }

    /// <summary>Builds the graph twice (the compiler changes its graph), runs the reference on one and the compiled
    /// program on the other, asserts the outputs agree, and returns the program.</summary>
    public static TileProgram CheckAgainstReference(Func<Graph.Graph> build, int seed = 0, TileCompilerOptions? options = null)
    {
        var inputs = RandomInputs(build(), seed);
        var expected = new GraphInterpreter(new OpRegistry(Registry)).Run(build(), inputs);
        var graph = build();
        var program = new TileCompiler(options ?? Options).Compile(graph, inputs);
        var actual = new TileProgramExecutor(Registry).Run(program, inputs);
        AssertClose(expected, actual);
        return program;
    }

    public static void AssertClose(IReadOnlyDictionary<string, RuntimeValue?> expected, IReadOnlyDictionary<string, RuntimeValue?> actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            var et = Assert.IsAssignableFrom<Tensor>(e);
            var at = Assert.IsAssignableFrom<Tensor>(actual[name]);
            Assert.Equal(et.DataType, at.DataType);
            Assert.Equal(et.Shape, at.Shape);
            var x = TensorConvert.ToDoubles(et);
            var y = TensorConvert.ToDoubles(at);
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= tol * (1 + Math.Abs(x[i])) || (double.IsNaN(x[i]) && double.IsNaN(y[i])),
                    $"output {name}[{i}]: expected {x[i]}, got {y[i]}");
        }
    }

    /// <summary>The golden form: the input graph (as comments), the program's steps (as comments), then each kernel's text.</summary>
    public static string GoldenText(string graphText, TileProgram program)
    {
        var sb = new StringBuilder();
        sb.Append("# input:\n");
        foreach (var line in graphText.TrimEnd('\n').Split('\n')) sb.Append("#   ").Append(line).Append('\n');
        sb.Append("# compiled with TileCompiler (graph passes, fusion, Tile passes):\n");
        foreach (var line in TileCompiler.Describe(program).TrimEnd('\n').Split('\n')) sb.Append("#   ").Append(line).Append('\n');
        foreach (var k in program.Kernels) sb.Append('\n').Append(TilePrinter.Print(k.Kernel));
        return sb.ToString();
    }

    public static string PrintGraph(Graph.Graph g) => GraphPrinter.Print(g, new GraphPrinterOptions { ElideConstantsLargerThan = 4 });
}
