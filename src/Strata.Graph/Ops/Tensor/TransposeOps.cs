using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Transpose, and the ops defined as reshape → transpose → reshape: DepthToSpace and SpaceToDepth.</summary>
internal static class TransposeOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(OpSchema.Unary("Transpose", InferTranspose, c =>
        {
            var x = c.Input(0);
            var (map, shape) = TensorCopy.TransposeMap(x.Shape, Perm(c.Ints("perm"), x.Rank));
            return TensorCopy.Take(x, map, shape);
        }));
        registry.AddOp(OpSchema.Unary("DepthToSpace", c => InferBlocks(c, toSpace: true), c => Blocks(c, toSpace: true)));
        registry.AddOp(OpSchema.Unary("SpaceToDepth", c => InferBlocks(c, toSpace: false), c => Blocks(c, toSpace: false)));
    }

    /// <summary>The permutation: the attribute (validated) or the reversed axes.</summary>
    private static int[] Perm(long[]? perm, int rank)
    {
        if (perm is null) return Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank)
            throw new StrataException(ErrorCode.InvalidAttribute, $"perm [{string.Join(",", perm)}] has {perm.Length} entries for a rank-{rank} input",
                "give one entry per input axis");
        return TensorArgs.Axes(perm, rank);
    }

    private static TensorType? InferTranspose(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        if (TensorArgs.StaticShape(c, 0) is not { } s) return new TensorType(et, null);
        var perm = Perm(c.Node.GetInts("perm"), s.Rank);
        return new TensorType(et, Shape.Of(perm.Select(p => s[p])));
    }

    /// <summary>DepthToSpace (DCR or CRD mode) or SpaceToDepth on an [N, C, H, W] tensor, as a 6-d transpose.</summary>
    private static Tensor Blocks(OpContext c, bool toSpace)
    {
        var x = c.Input(0);
        int b = checked((int)c.Int("blocksize", 0));
        if (x.Rank != 4) throw c.Error(ErrorCode.InvalidShape, $"input must be 4-d [N,C,H,W], got {ShapeMath.Format(x.Shape)}");
        if (b <= 0) throw c.Error(ErrorCode.InvalidAttribute, $"blocksize must be positive, got {b}");
        int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int[] view, perm, shape;
        if (toSpace)
        {
            if (ch % (b * b) != 0) throw c.Error(ErrorCode.InvalidShape, $"channels {ch} are not divisible by blocksize² = {b * b}");
            int cOut = ch / (b * b);
            bool crd = c.String("mode", "DCR") == "CRD";
            (view, perm) = crd
                ? (new[] { n, cOut, b, b, h, w }, new[] { 0, 1, 4, 2, 5, 3 })
                : (new[] { n, b, b, cOut, h, w }, new[] { 0, 3, 4, 1, 5, 2 });
            shape = [n, cOut, h * b, w * b];
        }
        else
        {
            if (h % b != 0 || w % b != 0) throw c.Error(ErrorCode.InvalidShape, $"height {h} and width {w} must be divisible by blocksize {b}");
            view = [n, ch, h / b, b, w / b, b];
            perm = [0, 3, 5, 1, 2, 4];
            shape = [n, ch * b * b, h / b, w / b];
        }
        var (map, _) = TensorCopy.TransposeMap(view, perm);
        return TensorCopy.Take(x, map, shape);
    }

    private static TensorType? InferBlocks(InferenceContext c, bool toSpace)
    {
        if (c.InputElementType(0) is not { } et) return null;
        long b = c.Node.GetInt("blocksize", 0);
        if (TensorArgs.StaticShape(c, 0) is not { Rank: 4 } s || b <= 0) return TensorArgs.UnknownDims(et, 4);
        Dim Scale(Dim d, bool up) => d.Value is { } v ? Dim.Of(up ? v * b : v / b) : Dim.Unknown;
        Dim Scale2(Dim d, bool up) => d.Value is { } v ? Dim.Of(up ? v * b * b : v / (b * b)) : Dim.Unknown;
        return new TensorType(et, toSpace
            ? Shape.Of([s[0], Scale2(s[1], false), Scale(s[2], true), Scale(s[3], true)])
            : Shape.Of([s[0], Scale2(s[1], true), Scale(s[2], false), Scale(s[3], false)]));
    }
}
