using Strata.Core;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Cost;

public class TileCostTests
{
    [Fact]
    public void Matmul_counts_two_flops_per_multiply_add()
    {
        var cost = TileCost.Of(SampleKernels.MatMul(3, 5, 7));
        Assert.Equal(2 * 3 * 5 * 7, cost.Total.Flops); // mul + reduction add
        Assert.Equal(0, cost.Total.Transcendentals);
        Assert.Equal(2 * 3 * 5 * 7 + 3 * 7, cost.Total.Loads); // x and w per point, then the copy of %acc into %out
        Assert.Equal(4 * (2 * 3 * 5 * 7 + 3 * 7), cost.Total.BytesLoaded);
        Assert.Equal(4 * (3 * 5 + 5 * 7), cost.InputBytes);
        Assert.Equal(4 * 3 * 7, cost.OutputBytes);
        Assert.Equal(4 * 3 * 7, cost.TempBytes);
        Assert.Equal(2 * 4 * 3 * 7, cost.BytesStored);
        Assert.Equal(5, cost.Computations[0].ReductionPoints);
        Assert.Equal(21, cost.Computations[0].OutputElements);
    }

    [Fact]
    public void Softmax_counts_one_exp_per_element_and_index_math_separately()
    {
        var cost = TileCost.Of(SampleKernels.Softmax(4, 8));
        Assert.Equal(4 * 8, cost.Total.Transcendentals);
        // max: 32 steps; exp: sub + exp = 2 per element; sum: 32 steps; div: 1 per element.
        Assert.Equal(32 + 2 * 32 + 32 + 32, cost.Total.Flops);
        Assert.Equal(0, cost.Total.IndexOps);
        var view = TileCost.Of(SampleKernels.TransposeReshape());
        Assert.Equal(0, view.Total.Flops);
        Assert.True(view.Total.IndexOps > 0);
    }

    [Fact]
    public void Select_counts_the_costlier_branch_and_pow_is_transcendental()
    {
        var e = TileParser.ParseKernel("""
            tile.kernel @k(%x: f32[4]) -> (%o: f32[4]) {
              domain i = 4
              %o[i] = select(lt(i, 2), pow(%x[i], 2.0 : f32), cast<f32>(add(i, 1)))
            }
            """).Computations[0].Body;
        var c = TileCost.Of(e);
        Assert.Equal(new OpCounts(Flops: 2, Transcendentals: 1, IndexOps: 2, Loads: 1, BytesLoaded: 4, Casts: 1), c);
    }

    [Fact]
    public void Gathered_index_loads_are_counted()
    {
        var e = new Load("x", [new Load("idx", [Expr.Var("i")], DataType.Int64)], DataType.Float16);
        Assert.Equal(new OpCounts(0, 0, 0, 2, 2 + 8, 0), TileCost.Of(e));
    }
}

public class WorkloadKeyTests
{
    [Fact]
    public void Kernels_differing_only_in_names_share_a_key()
    {
        var renamed = TileParser.ParseKernel("""
            tile.kernel @other(%lhs: f32[3,5], %rhs: f32[5,7]) -> (%result: f32[3,7]) {
              temp %partial: f32[3,7]
              domain p = 3, q = 7
              reduce r = 5
              domain s = 3, t = 7
              %partial[p, q] = sum[r] mul(%lhs[p, r], %rhs[r, q])
              %result[s, t] = %partial[s, t]
            }
            """);
        var k = SampleKernels.MatMul(3, 5, 7);
        Assert.NotEqual(TilePrinter.Print(k), TilePrinter.Print(renamed));
        Assert.Equal(WorkloadKey.Of(k, "x86-64-avx2"), WorkloadKey.Of(renamed, "x86-64-avx2"));
        Assert.Matches("^[0-9a-f]{64}$", WorkloadKey.Of(k, "x86-64-avx2"));
    }

    [Fact]
    public void Anything_but_names_changes_the_key()
    {
        var k = SampleKernels.MatMul(3, 5, 7);
        string key = WorkloadKey.Of(k, "x86-64-avx2");
        Assert.NotEqual(key, WorkloadKey.Of(k, "x86-64-avx512"));
        Assert.NotEqual(key, WorkloadKey.Of(SampleKernels.MatMul(3, 5, 8), "x86-64-avx2"));
        Assert.NotEqual(key, WorkloadKey.Of(SampleKernels.MatMul(3, 5, 7, DataType.Float16), "x86-64-avx2"));
        var max = k with { Computations = [k.Computations[0] with { Reduce = new Reduction(ReduceOp.Max, k.Computations[0].Reduce!.Axes) }, k.Computations[1]] };
        Assert.NotEqual(key, WorkloadKey.Of(max, "x86-64-avx2"));
        Assert.Equal(key, WorkloadKey.Of(SampleKernels.MatMul(3, 5, 7), "x86-64-avx2")); // deterministic
    }

    [Fact]
    public void Canonical_text_matches_golden() =>
        Golden.Check("canonical_mlp", WorkloadKey.CanonicalText(SampleKernels.Mlp()));
}
