using Strata.Block.Text;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>An inline load reads memory where it is evaluated, so the lowering must keep Block order where a parameter
/// is stored between a load and its use, or by the very store that consumes it (the Block level computes a stored
/// value completely before writing any element).</summary>
public class MemoryOrderTests
{
    private const string Reverse = """
        block.kernel @reverse(%x: ptr<f32>[11], %s: ptr<f32>[11] output)
            grid(1) {
          %c0 = constant 0 : index
          %c10 = constant 10 : index
          %r = arange %c0, 11 : index[11]
          %rev = sub %c10, %r : index[11]
          %xv = load %x[%r] : f32[11]
          store %s[%r], %xv
          %v = load %s[%rev] : f32[11]
          store %s[%r], %v
        }
        """;

    private const string StoreBetween = """
        block.kernel @between(%x: ptr<f32>[9], %s: ptr<f32>[9] output)
            grid(1) {
          %c0 = constant 0 : index
          %two = constant 2.0 : f32
          %r = arange %c0, 9 : index[9]
          %xv = load %x[%r] : f32[9]
          store %s[%r], %xv
          %old = load %s[%r] : f32[9]
          %d = mul %xv, %two : f32[9]
          store %s[%r], %d
          %sum = add %old, %d : f32[9]
          store %s[%r], %sum
        }
        """;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in Target.Known) { data.Add(Reverse, t.Name); data.Add(StoreBetween, t.Name); }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void LoadsSeeTheBlockOrderOfStores(string text, string target)
    {
        var block = BlockParser.Parse(text);
        var x = TensorFactory.Create(DataType.Float32, [(int)block.Params[0].Shape[0]]);
        for (int i = 0; i < x.Length; i++) ScalarSemantics.Write(x, i, Scalar.Float(i + 1));
        MachineLoweringCheck.Check(block, Config.Empty, Target.Get(target), [x]);
    }
}
