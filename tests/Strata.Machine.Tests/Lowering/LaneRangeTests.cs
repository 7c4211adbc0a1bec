using CsCheck;
using Strata.Block.Text;
using Strata.Core;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>Padded rows: a load whose mask bounds the vector dim's index from below (<c>iw ≥ 0</c> in its four
/// spellings) and above becomes a lane-range vector load (<c>from … count …</c>), the zero-padding select around it
/// folds away, and every access of the vector loops is proven in bounds, for random row lengths, paddings and element types on every
/// target: the Machine interpreter must agree with the Block interpreter.</summary>
public class LaneRangeTests
{
    private static readonly string[] Elements = ["f32", "f64", "i32", "i64"];

    /// <summary>y[p, j] = x[p, j - lo] where 0 ≤ j - lo &lt; w, else 0 (or the load's other, without the select);
    /// stores only from column <paramref name="skip"/> on (a head mask on the store).</summary>
    private static string Kernel(string e, int rows, int w, int lo, int width, int head, bool select, int skip)
    {
        string zero = e.StartsWith('f') ? "0.0" : "0";
        string other = e.StartsWith('f') ? "-1.5" : "-3";
        string geq = head switch
        {
            0 => "%h = ge %iw, %c0 : bool[W]",
            1 => "%h = le %c0, %iw : bool[W]",
            2 => "%h = gt %iw, %cm1 : bool[W]",
            _ => "%h = lt %cm1, %iw : bool[W]",
        };
        return $$"""
            block.kernel @padrow(%x: ptr<{{e}}>[{{rows}},{{w}}], %y: ptr<{{e}}>[{{rows}},{{width}}] output)
                grid({{rows}}) {
              %c0 = constant 0 : index
              %cm1 = constant -1 : index
              %clo = constant {{lo}} : index
              %cw = constant {{w}} : index
              %cs = constant {{skip}} : index
              %z = constant {{zero}} : {{e}}
              %p = program_id 0 : index
              %j = arange %c0, {{width}} : index[W]
              %iw = sub %j, %clo : index[W]
              {{geq}}
              %t = lt %iw, %cw : bool[W]
              %m = and %h, %t : bool[W]
              %xv = load %x[%p, %iw] mask %m{{(select ? "" : " other " + other)}} : {{e}}[W]
              {{(select ? "%v = select %m, %xv, %z : " + e + "[W]" : "%v = add %xv, %z : " + e + "[W]")}}
              %s = ge %j, %cs : bool[W]
              store %y[%p, %j], %v mask %s
            }
            """.Replace("[W]", $"[{width}]");
    }

    [Fact]
    public void PaddedRowsBecomeLaneRangeAccessesProvenInBounds()
    {
        Gen.Select(Gen.Select(Gen.Int[0, 3], Gen.Int[1, 3], Gen.Int[1, 40], Gen.Int[0, 20]), Gen.Select(Gen.Int[1, 50], Gen.Int[0, 3], Gen.Bool, Gen.Int[0, 20]))
            .Sample(c =>
            {
                var ((e, rows, w, lo), (width, head, select, skip)) = c;
                var text = Kernel(Elements[e], rows, w, lo, width, head, select, skip);
                var block = BlockParser.Parse(text);
                var rng = new Random(w * 31 + lo);
                var x = TensorFactory.Create(block.Params[0].Element, [rows, w]);
                var t = block.Params[0].Element;
                for (int i = 0; i < x.Length; i++)
                    ScalarSemantics.Write(x, i, ScalarSemantics.IsFloat(t) ? Scalar.Float(rng.Next(1, 100)) : Scalar.Int(rng.Next(1, 100)));
                foreach (var target in Target.Known)
                {
                    var machine = MachineLoweringCheck.Check(block, Config.Empty, target, [x]);
                    var printed = Strata.Machine.Text.MachinePrinter.Print(machine);
                    // The padding select folds into the load (the edge loop's index select is scalar i64 arithmetic).
                    if (select) Assert.DoesNotContain(printed.Split('\n'), l => l.Contains(" select ", StringComparison.Ordinal) && !l.EndsWith(": i64", StringComparison.Ordinal));
                    // Scalar loops (the scalar target, a single column) keep their masks: not this test's subject.
                    if (target.Lanes(t) == 1 || width == 1) continue;
                    // A row read wholly inside x (no left padding, no column past w) has a mask that is statically
                    // all true: it may keep a lane range or fold to a plain load (where its row is one partial vector).
                    bool inside = lo == 0 && width <= w;
                    Assert.True(inside || printed.Contains(" from "), $"{target}: the padded row did not become a lane-range access:\n{text}\n{printed}");
                    var unproven = BoundsAnalysis.Analyze(machine).Unproven;
                    Assert.True(unproven.Count == 0, $"{target}: unproven {string.Join("; ", unproven.Select(u => u.Reason))}\n{printed}");
                }
            }, iter: 60);
    }
}
