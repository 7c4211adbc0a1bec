namespace Strata.Block.Tests.Lowering;

/// <summary>Hand-written Tile kernels that exercise the lowering: contractions of every shape the dot path takes or
/// declines, reductions fused with their producers and consumers, guarded (padded) loads, arg reductions, views,
/// gathers, scalar outputs and empty extents.</summary>
public static class LoweringKernels
{
    public const string MatmulBiasGelu = """
        tile.kernel @mm(%x: f32[10,7], %w: f32[7,6], %b: f32[6]) -> (%out: f32[10,6]) {
          temp %acc: f32[10,6]
          domain m = 10, n = 6
          reduce k = 7
          %acc[m, n] = sum[k] mul(%x[m, k], %w[k, n])
          %out[m, n] = gelu(add(%acc[m, n], %b[n]))
        }
        """;

    /// <summary>As fusion emits it before axes are unified: every computation has its own axes.</summary>
    public const string MatmulFreshAxes = """
        tile.kernel @matmul(%x: f32[9,5], %w: f32[5,6]) -> (%out: f32[9,6]) {
          temp %acc: f32[9,6]
          domain m = 9, n = 6
          reduce k = 5
          domain i = 9, i0 = 6
          %acc[m, n] = sum[k] mul(%x[m, k], %w[k, n])
          %out[i, i0] = %acc[i, i0]
        }
        """;

    /// <summary>The output's first axis comes from the second operand: the dot swaps its operands.</summary>
    public const string MatmulTransposedOut = """
        tile.kernel @mmt(%x: f32[5,11], %w: f32[11,3]) -> (%out: f32[3,5]) {
          domain n = 3, m = 5
          reduce k = 11
          %out[n, m] = sum[k] mul(%x[m, k], %w[k, n])
        }
        """;

    public const string BatchedMatmul = """
        tile.kernel @bmm(%x: f32[3,5,4], %w: f32[3,4,6]) -> (%out: f32[3,5,6]) {
          domain b = 3, m = 5, n = 6
          reduce k = 4
          %out[b, m, n] = sum[k] mul(%x[b, m, k], %w[b, k, n])
        }
        """;

    public const string Matvec = """
        tile.kernel @mv(%x: f32[7,13], %v: f32[13]) -> (%out: f32[7]) {
          domain m = 7
          reduce k = 13
          %out[m] = sum[k] mul(%x[m, k], %v[k])
        }
        """;

    public const string Softmax = """
        tile.kernel @softmax(%x: f32[5,13]) -> (%out: f32[5,13]) {
          temp %max: f32[5]
          temp %exp: f32[5,13]
          temp %sum: f32[5]
          domain i = 5
          reduce k = 13
          domain i0 = 5, i1 = 13, i2 = 5
          reduce k0 = 13
          domain i3 = 5, i4 = 13
          %max[i] = max[k] %x[i, k]
          %exp[i0, i1] = exp(sub(%x[i0, i1], %max[i0]))
          %sum[i2] = sum[k0] %exp[i2, k0]
          %out[i3, i4] = div(%exp[i3, i4], %sum[i3])
        }
        """;

    public const string LayerNorm = """
        tile.kernel @layernorm(%x: f32[6,12], %g: f32[12]) -> (%out: f32[6,12]) {
          temp %mean: f32[6]
          temp %cent: f32[6,12]
          temp %var: f32[6]
          domain i = 6, j = 12
          reduce k = 12, k0 = 12
          %mean[i] = sum[k] %x[i, k]
          %cent[i, j] = sub(%x[i, j], div(%mean[i], 12.0 : f32))
          %var[i] = sum[k0] mul(%cent[i, k0], %cent[i, k0])
          %out[i, j] = mul(div(%cent[i, j], sqrt(add(div(%var[i], 12.0 : f32), 0.00001 : f32))), %g[j])
        }
        """;

    /// <summary>A padded 1-D convolution: the window load is guarded by a select (zero padding).</summary>
    public const string PaddedConv = """
        tile.kernel @conv(%x: f32[2,3,9], %w: f32[4,3,3]) -> (%out: f32[2,4,9]) {
          domain b = 2, o = 4, i = 9
          reduce c = 3, t = 3
          %out[b, o, i] = sum[c, t] mul(select(and(ge(add(i, sub(t, 1)), 0), lt(add(i, sub(t, 1)), 9)), %x[b, c, add(i, sub(t, 1))], 0.0 : f32), %w[o, c, t])
        }
        """;

    /// <summary>A 2-D convolution with strides 2, dilations (1, 2) and asymmetric pads (top 1, right 2), batch 2.</summary>
    public const string StridedConv2d = """
        tile.kernel @conv2d(%x: f32[2,5,9,8], %wt: f32[6,5,2,3]) -> (%out: f32[2,6,5,3]) {
          domain n = 2, co = 6, oh = 5, ow = 3
          reduce ci = 5, kh = 2, kw = 3
          %out[n, co, oh, ow] = sum[ci, kh, kw] mul(select(and(and(ge(add(mul(oh, 2), kh), 1), lt(add(mul(oh, 2), kh), 10)), lt(add(mul(ow, 2), mul(kw, 2)), 8)), %x[n, ci, sub(add(mul(oh, 2), kh), 1), add(mul(ow, 2), mul(kw, 2))], 0.0 : f32), %wt[co, ci, kh, kw])
        }
        """;

    /// <summary>A grouped 2-D convolution (2 groups of 2 input channels), no padding: the input reads co only group-wise
    /// (floordiv(co, 2)); groups of 2 output channels are narrower than DotShape.MinGroupRows, so no dot by default.</summary>
    public const string GroupedConv2d = """
        tile.kernel @grouped(%x: f32[1,4,6,6], %wt: f32[4,2,3,3]) -> (%out: f32[1,4,4,4]) {
          domain n = 1, co = 4, oh = 4, ow = 4
          reduce ci = 2, kh = 3, kw = 3
          %out[n, co, oh, ow] = sum[ci, kh, kw] mul(%x[n, add(mul(floordiv(co, 2), 2), ci), add(oh, kh), add(ow, kw)], %wt[co, ci, kh, kw])
        }
        """;

    /// <summary>A depthwise 3×3 convolution with pads 1 (the reduction is kh, kw only).</summary>
    public const string DepthwiseConv2d = """
        tile.kernel @depthwise(%x: f32[1,3,7,7], %wt: f32[3,1,3,3]) -> (%out: f32[1,3,7,7]) {
          domain n = 1, c = 3, oh = 7, ow = 7
          reduce kh = 3, kw = 3
          %out[n, c, oh, ow] = sum[kh, kw] mul(select(and(and(ge(add(oh, kh), 1), lt(add(oh, kh), 8)), and(ge(add(ow, kw), 1), lt(add(ow, kw), 8))), %x[n, c, sub(add(oh, kh), 1), sub(add(ow, kw), 1)], 0.0 : f32), %wt[c, 0, kh, kw])
        }
        """;

    public const string Pad = """
        tile.kernel @pad(%x: f32[3,4]) -> (%out: f32[5,7]) {
          domain i = 5, j = 7
          %out[i, j] = select(and(and(ge(sub(i, 1), 0), lt(sub(i, 1), 3)), and(ge(sub(j, 2), 0), lt(sub(j, 2), 4))), %x[sub(i, 1), sub(j, 2)], 0.5 : f32)
        }
        """;

    public const string ArgReductions = """
        tile.kernel @args(%x: f32[6,11], %y: i32[6,11]) -> (%a: i64[6], %b: i64[6], %c: i64[6], %d: i64[6], %e: i64[6], %f: i64[6]) {
          domain i = 6
          reduce k = 11
          %a[i] = argmax[k] %x[i, k]
          %b[i] = argmin[k] %x[i, k]
          %c[i] = argmaxlast[k] %x[i, k]
          %d[i] = argminlast[k] %x[i, k]
          %e[i] = argmax[k] %y[i, k]
          %f[i] = argminlast[k] %y[i, k]
        }
        """;

    /// <summary>Reshape [2,3,4] → [8,3] after a transpose, as div/mod index arithmetic.</summary>
    public const string View = """
        tile.kernel @view(%x: f32[2,3,4]) -> (%out: f32[8,3]) {
          domain i = 8, i0 = 3
          %out[i, i0] = %x[mod(floordiv(add(mul(i, 3), i0), 3), 2), mod(add(mul(i, 3), i0), 3), floordiv(add(mul(i, 3), i0), 6)]
        }
        """;

    public const string Gather = """
        tile.kernel @gather(%x: f32[4,7], %idx: i64[5]) -> (%out: f32[5,7]) {
          domain i = 5, j = 7
          %out[i, j] = %x[mod(%idx[i], 4), j]
        }
        """;

    public const string ScalarReductions = """
        tile.kernel @scalars(%x: f32[5,7], %y: i32[6,5]) -> (%s: f32[], %p: f32[], %mx: f32[3], %ys: i32[6]) {
          reduce i = 5, j = 7, a = 3, b = 5
          domain r = 3, q = 6
          reduce c = 5
          %s[] = sum[i, j] %x[i, j]
          %p[] = prod[a, b] add(%x[a, b], 3.0 : f32)
          %mx[r] = max[i, j] mul(%x[i, j], cast<f32>(r))
          %ys[q] = sum[c] %y[q, c]
        }
        """;

    public const string EmptyExtents = """
        tile.kernel @empty(%x: f32[3,0], %z: f32[0,4]) -> (%s: f32[3], %m: f32[3], %e: f32[0,4]) {
          domain i = 3, r = 0, c = 4
          reduce k = 0
          %s[i] = sum[k] %x[i, k]
          %m[i] = max[k] %x[i, k]
          %e[r, c] = exp(%z[r, c])
        }
        """;

    public static readonly IReadOnlyList<(string Name, string Text, bool Specials)> All =
    [
        ("matmul_bias_gelu", MatmulBiasGelu, false),
        ("matmul_fresh_axes", MatmulFreshAxes, false),
        ("matmul_transposed_out", MatmulTransposedOut, false),
        ("batched_matmul", BatchedMatmul, false),
        ("matvec", Matvec, false),
        ("softmax", Softmax, false),
        ("layernorm", LayerNorm, false),
        ("padded_conv", PaddedConv, false),
        ("strided_conv2d", StridedConv2d, false),
        ("grouped_conv2d", GroupedConv2d, false),
        ("depthwise_conv2d", DepthwiseConv2d, false),
        ("pad", Pad, false),
        ("arg_reductions", ArgReductions, true),
        ("view", View, false),
        ("gather", Gather, false),
        ("scalar_reductions", ScalarReductions, false),
        ("empty_extents", EmptyExtents, false),
    ];
}
