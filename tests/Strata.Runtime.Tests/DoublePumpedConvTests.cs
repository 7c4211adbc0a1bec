using System.Runtime.Intrinsics.X86;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Machine.Compilation;

namespace Strata.Runtime.Tests;

/// <summary>A 3×3 conv over short rows (its taps merged into K over a padded copy): for an avx512 target whose FMAs are
/// double-pumped its conv kernel lowers with 256-bit vectors (Machine's NarrowVectors), for a full-width one it does
/// not; natively on this machine (where it has AVX-512) both give the Graph interpreter's results.</summary>
public class DoublePumpedConvTests
{
    private static readonly ValueComparer Tolerance = new(RelativeTolerance: 1e-3, AbsoluteTolerance: 1e-5);

    [Theory]
    [InlineData(16, 64, 55, 55)] // squeezenet's fire2/fire3 expand 3×3: 55 = 3·16 + 7 = 7·8 − 1
    [InlineData(12, 20, 44, 24)] // 24 = 16 + 8: 2 vectors of 16 or 3 of 8 (a plane of ≥ 32² positions is padded once)
    public void NarrowsOnlyWhenPumped_AndMatchesTheReference(int cin, int cout, int h, int w)
    {
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = SmallGraphs.Random(3, 1, cin, h, w) };
        var expected = SmallGraphs.Reference(Build(cin, cout, h, w), inputs);
        var model = new Compiler(CompilerOptions.Default).Compile(Build(cin, cout, h, w), inputs);
        foreach (var (target, narrowed) in new[] { (Target.X86Avx512, false), (Target.X86Avx512.WithDoublePumped(), true) })
        {
            var machine = MachineCompiler.Lower(model, target);
            Assert.Equal(narrowed, machine.Kernels.Any(k => k.Machine?.Target.VectorBits == 256));
            Assert.All(machine.Kernels, k => Assert.Equal(Target.Find(k.Machine!.Target.Name), k.Machine.Target));
            if (!Avx512F.IsSupported) continue;
            using var session = InferenceSession.Create(Build(cin, cout, h, w), new SessionOptions { Threads = 1, Target = target });
            var actual = session.Run(inputs);
            Assert.All(session.Stats!.Kernels, s => Assert.Equal(ExecutionLevel.Native, s.Level));
            Assert.True(Tolerance.Compare(actual["y"]!, expected["y"]!) is null, $"{target}: {Tolerance.Compare(actual["y"]!, expected["y"]!)}");
        }
    }

    private static Graph.Graph Build(int cin, int cout, int h, int w)
    {
        var g = new GraphBuilder("conv", opset: 17);
        var x = g.Relu(g.Input("x", DataType.Float32, 1, cin, h, w));
        var y = g.Conv(x, g.Constant("w", SmallGraphs.Random(1, cout, cin, 3, 3)), g.Constant("b", SmallGraphs.Random(2, cout)), pads: [1, 1, 1, 1]);
        g.Output(g.Relu(y), "y");
        return g.Build();
    }
}
