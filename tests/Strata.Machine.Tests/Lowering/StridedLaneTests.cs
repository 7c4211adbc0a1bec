using CsCheck;
using Strata.Block.Text;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Strided rows (a stride-s pool's or conv's <c>x[s·j + k - lo]</c>, padded): the load becomes a strided
/// vector load (<c>stride s</c>), its padding mask (the head test in its four spellings, the tail test in two) a lane
/// range of ⌈…/s⌉ bounds, for random strides, offsets, paddings, row lengths and element types on every target: the
/// Machine interpreter must agree with the Block interpreter (which reads every element checked, so a wrong range
/// either reads out of bounds or gives another value).</summary>
public class StridedLaneTests
{
    private static readonly string[] Elements = ["f32", "f64", "i32", "i64"];

    private static string Kernel(string e, int rows, int w, int s, int k, int lo, int width, int head, int tail)
    {
        string other = e.StartsWith('f') ? "-1.5" : "-3";
        string geq = head switch
        {
            0 => "%h = ge %iw, %c0 : bool[W]",
            1 => "%h = le %c0, %iw : bool[W]",
            2 => "%h = gt %iw, %cm1 : bool[W]",
            _ => "%h = lt %cm1, %iw : bool[W]",
        };
        string lt = tail == 0 ? "%t = lt %iw, %cw : bool[W]" : "%t = gt %cw, %iw : bool[W]";
        return $$"""
            block.kernel @stridedrow(%x: ptr<{{e}}>[{{rows}},{{w}}], %y: ptr<{{e}}>[{{rows}},{{width}}] output)
                grid({{rows}}) {
              %c0 = constant 0 : index
              %cm1 = constant -1 : index
              %cs = constant {{s}} : index
              %coff = constant {{k - lo}} : index
              %cw = constant {{w}} : index
              %p = program_id 0 : index
              %j = arange %c0, {{width}} : index[W]
              %sj = mul %j, %cs : index[W]
              %iw = add %sj, %coff : index[W]
              {{geq}}
              {{lt}}
              %m = and %h, %t : bool[W]
              %v = load %x[%p, %iw] mask %m other {{other}} : {{e}}[W]
              store %y[%p, %j], %v
            }
            """.Replace("[W]", $"[{width}]");
    }

    [Fact]
    public void StridedPaddedRowsBecomeStridedLaneRangeLoads()
    {
        Gen.Select(Gen.Select(Gen.Int[0, 3], Gen.Int[1, 2], Gen.Int[1, 70], Gen.Int[2, 4]), Gen.Select(Gen.Int[0, 6], Gen.Int[0, 3], Gen.Int[1, 40], Gen.Int[0, 3]), Gen.Int[0, 1])
            .Sample(c =>
            {
                var ((e, rows, w, s), (k, lo, width, head), tail) = c;
                var text = Kernel(Elements[e], rows, w, s, k, lo, width, head, tail);
                var block = BlockParser.Parse(text);
                var rng = new Random(w * 31 + lo);
                var t = block.Params[0].Element;
                var x = TensorFactory.Create(t, [rows, w]);
                for (int i = 0; i < x.Length; i++)
                    ScalarSemantics.Write(x, i, ScalarSemantics.IsFloat(t) ? Scalar.Float(rng.Next(1, 100)) : Scalar.Int(rng.Next(1, 100)));
                foreach (var target in Target.Known)
                {
                    var machine = MachineLoweringCheck.Check(block, Config.Empty, target, [x]);
                    if (target.Lanes(t) == 1 || width == 1) continue;
                    var printed = Strata.Machine.Text.MachinePrinter.Print(machine);
                    Assert.True(printed.Contains($" stride {s} "), $"{target}: the strided row did not become a strided load:\n{text}\n{printed}");
                }
            }, iter: 60);
    }
}
