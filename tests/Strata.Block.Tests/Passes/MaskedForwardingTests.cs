using Strata.Block.Passes;
using Strata.Block.Text;

namespace Strata.Block.Tests.Passes;

/// <summary>A masked scratch store is forwarded to its masked loads only where the lanes the mask turns off are never
/// observed. Each kernel stores exp(x) of a block of 32 rows of 32 (20 inside the tensor, a row mask) to %t and reads it back
/// under the same mask; what reads it decides. Forwarding would put exp(0) = 1 in the off rows where the load gave 0.</summary>
public sealed class MaskedForwardingTests
{
    private static BlockKernel Kernel(string use, string outShape) => BlockParser.Parse($$"""
        block.kernel @k(%x: ptr<f32>[20,32], %y: ptr<f32>[{{outShape}}] output, %t: ptr<f32>[20,32] scratch)
            grid(1) {
          %c0 = constant 0 : index
          %c19 = constant 19 : index
          %c20 = constant 20 : index
          %ri = arange %c0, 32 : index[32]
          %ii = reshape %ri : index[32,1]
          %mi = lt %ii, %c20 : bool[32,1]
          %rk = arange %c0, 32 : index[32]
          %ik = reshape %rk : index[1,32]
          %xv = load %x[%ii, %ik] mask %mi : f32[32,32]
          %e = exp %xv : f32[32,32]
          store %t[%ii, %ik], %e mask %mi
          %tv = load %t[%ii, %ik] mask %mi : f32[32,32]
        {{use}}
        }
        """);

    /// <summary>Row sums stored under a row mask of the same rows (another value of the same arange, bound and position).</summary>
    private const string RowSums = """
          %s = reduce sum %tv, axis 1 : f32[32]
          %mr = lt %ri, %c20 : bool[32]
          store %y[%ri], %s mask %mr
        """;

    [Fact]
    public void RowSumsUnderTheSameRowsTakeTheStoredValue()
    {
        var before = Kernel(RowSums, "20");
        var after = new ForwardScratchStores().Run(before);
        Assert.DoesNotContain(after.Body, o => o is StoreOp { Param: "t" } || o is LoadOp { Param: "t" });
        PassSemantics.AssertSameResults(before, after, seed: 2);
    }

    [Theory]
    // A column sum adds the off rows together with the others (stored under a mask of the same arange, bound and rank:
    // the 32 columns line up with the 32 rows, but the mask's rows are not the sum's lanes).
    [InlineData("""
          %s = reduce sum %tv, axis 0 : f32[32]
          %mr = lt %ri, %c20 : bool[32]
          store %y[%ri], %s mask %mr
        """, "20")]
    // Row sums stored under a mask that keeps row 19 of 20 out, not the same rows.
    [InlineData("""
          %s = reduce sum %tv, axis 1 : f32[32]
          %mr = lt %ri, %c19 : bool[32]
          store %y[%ri], %s mask %mr
        """, "20")]
    // The block stored whole (no mask) into a 32-row output.
    [InlineData("""
          store %y[%ii, %ik], %tv
        """, "32,32")]
    public void OffRowsThatAreObservedKeepTheStore(string use, string outShape)
    {
        var before = Kernel(use, outShape);
        var after = new ForwardScratchStores().Run(before);
        Assert.Equal(BlockPrinter.Print(before), BlockPrinter.Print(after));
    }
}
