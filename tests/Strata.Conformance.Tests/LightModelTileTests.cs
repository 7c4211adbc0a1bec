using Strata.Core;
using Strata.Onnx;
using Strata.Tile;
using Strata.Tile.Execution;
using Xunit.Abstractions;

namespace Strata.Conformance.Tests;

/// <summary>The nine <c>light/</c> CNNs compile at tile level: every kernel verifies after fusion and after every
/// pass, and every node lowers. (Running them element by element through the Tile interpreter would take too long
/// for a unit test; the conformance suite runs the same lowerings.)</summary>
public sealed class LightModelTileTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models() => LightModelTests.Models();

    [Theory]
    [MemberData(nameof(Models))]
    public void CompilesAtTileLevel_WithEveryNodeLowered(string model)
    {
        var dir = LightModelTests.LightDirectory();
        if (dir is null) return;
        var graph = OnnxImporter.Load(Path.Combine(dir, model + ".onnx"));
        var input = OnnxData.ReadTensor(Path.Combine(dir, "generated_inputs", "input_0_float_1x3x224x224.pb"));
        var (program, stats) = new TileCompiler(new TileCompilerOptions { VerifyEach = true })
            .CompileCounted(graph, new Dictionary<string, RuntimeValue> { [graph.Inputs[0].Name] = input });
        output.WriteLine($"{model}: {program.Kernels.Count()} kernels; {stats.SummaryLine}");
        foreach (var f in program.Fallbacks) output.WriteLine($"  fallback {f.Node.OpKey}: {f.Reason}");
        Assert.Empty(program.Fallbacks);
    }
}
