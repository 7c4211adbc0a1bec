using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A reduction along rows whose length is not a multiple of the lane count ends each row with one more vector
/// step, its lanes past the row holding the reduction's identity, instead of a scalar loop over the rest: sum, max and
/// min of shifted values (for max and min with NaN and ±inf among them in some draws) over random row lengths give the Block interpreter's
/// results on every target, and the kernel has no scalar loop over a row's rest.</summary>
public class ReduceRestTests
{
    private static TileKernel Reduce(string op, string type, int rows, int cols) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @rows(%x: {{type}}[{{rows}},{{cols}}]) -> (%y: {{type}}[{{rows}}]) {
          domain i = {{rows}}
          reduce k = {{cols}}
          %y[i] = {{op}}[k] add(%x[i, k], {{Shift(op, type)}})
        }
        """));

    /// <summary>Moves the values (in [-2, 2]) away from 0, the value a lane-limited load gives past the row: lanes past
    /// the row that kept X's value there (shifted 0) instead of the identity would change every sum and every maximum
    /// (all below −1) or minimum (all above 1).</summary>
    private static string Shift(string op, string type) =>
        (op switch { "sum" => "1", "max" => "-3", _ => "3" }) + (type == "f32" ? ".0 : f32" : " : i32");

    [Fact]
    public void RandomRowLengthsOnEveryTarget()
    {
        Gen.Select(Gen.OneOf(Gen.Const("sum"), Gen.Const("max"), Gen.Const("min")), Gen.OneOf(Gen.Const("f32"), Gen.Const("i32")), Gen.Int[1, 9], Gen.Int[16, 100], Gen.Int).Sample((op, type, rows, cols, seed) =>
        {
            var kernel = Reduce(op, type, rows, cols);
            var config = KnobSpace.For(kernel).Default();
            // NaN and ±inf in a quarter of the draws (with them nearly every row of max or min is NaN or infinite).
            var inputs = MachineLoweringCheck.RandomInputs(kernel, seed, specials: op != "sum" && seed % 4 == 0);
            var block = TileToBlock.Lower(kernel, config);
            foreach (var target in Target.Known) MachineLoweringCheck.Check(block, config, target, inputs, seed);
        }, iter: 40);
    }

    [Theory]
    [InlineData("sum", "f32")]
    [InlineData("max", "f32")]
    [InlineData("min", "i32")]
    public void TheRestIsOneVectorStep(string op, string type)
    {
        var kernel = Reduce(op, type, 8, 77);
        var config = KnobSpace.For(kernel).Default();
        var machine = MachineLoweringCheck.Check(TileToBlock.Lower(kernel, config), config, Target.X86Avx512,
            MachineLoweringCheck.RandomInputs(kernel, 5));
        var lines = MachinePrinter.Print(machine).Split('\n').Select(l => l.Trim()).ToArray();
        // 77 = 4 vectors of 16 and a rest of 13: the rest's lanes blended with the identity, no loop of step 1 along k.
        Assert.Contains(lines, l => l.Contains(" = shuffle ", StringComparison.Ordinal) && l.Contains("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 29, 30, 31]", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("loop %j", StringComparison.Ordinal) && l.EndsWith("step 1 {", StringComparison.Ordinal));
    }
}
