using CsCheck;
using Strata.Block.Text;
using Strata.Core;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A Reshape that merges axes, read from the merged side: <c>x[p, floordiv(j, d), mod(j, d)]</c> over
/// <c>x: [rows, g, d]</c> addresses memory as <c>j</c> does, so the load stays a contiguous vector access (no per-lane
/// division) and its accesses are proven in bounds, for random shapes, on every target; the Machine interpreter must
/// agree with the Block interpreter.</summary>
public class MergedIndexTests
{
    private static string Kernel(int rows, int g, int d, int offset) => $$"""
        block.kernel @merge(%x: ptr<f32>[{{rows}},{{g}},{{d}}], %y: ptr<f32>[{{rows}},{{g * d + offset}}] output)
            grid({{rows}}) {
          %c0 = constant 0 : index
          %cd = constant {{d}} : index
          %co = constant {{offset}} : index
          %p = program_id 0 : index
          %j = arange %c0, {{g * d}} : index[{{g * d}}]
          %q = floordiv %j, %cd : index[{{g * d}}]
          %r = mod %j, %cd : index[{{g * d}}]
          %xv = load %x[%p, %q, %r] : f32[{{g * d}}]
          %jo = add %j, %co : index[{{g * d}}]
          store %y[%p, %jo], %xv
        }
        """;

    [Fact]
    public void MergedAxesReadAsOneContiguousIndex()
    {
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 5], Gen.Int[1, 40], Gen.Int[0, 3]).Sample((rows, g, d, offset) =>
        {
            var text = Kernel(rows, g, d, offset);
            var block = BlockParser.Parse(text);
            var rng = new Random(g * 41 + d);
            var x = TensorFactory.Create(DataType.Float32, [rows, g, d]);
            for (int i = 0; i < x.Length; i++) ScalarSemantics.Write(x, i, Scalar.Float(rng.Next(1, 100)));
            foreach (var target in Target.Known)
            {
                var machine = MachineLoweringCheck.Check(block, Config.Empty, target, [x]);
                var printed = Strata.Machine.Text.MachinePrinter.Print(machine);
                Assert.DoesNotContain("floordiv", printed);
                var unproven = BoundsAnalysis.Analyze(machine).Unproven;
                Assert.True(unproven.Count == 0, $"{target}: unproven {string.Join("; ", unproven.Select(u => u.Reason))}\n{printed}");
            }
        }, iter: 40);
    }
}
