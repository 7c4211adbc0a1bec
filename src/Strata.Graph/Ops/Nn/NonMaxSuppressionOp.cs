using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>NonMaxSuppression (opsets 10, 11): per batch and class, greedily keeps the highest-scoring boxes (ties:
/// lower index first) whose IoU with every kept box is at most iou_threshold, among boxes scoring above
/// score_threshold (when given), up to max_output_boxes_per_class (default 0: none). Boxes are [y1, x1, y2, x2]
/// (corners in any order) or, with center_point_box, [x_center, y_center, width, height]. Output: [k, 3] int64
/// rows (batch, class, box).</summary>
internal static class NonMaxSuppressionOp
{
    public static OpSchema Schema => new("", "NonMaxSuppression",
        c => [new TensorType(DataType.Int64, Shape.Of(new[] { Dim.Unknown, Dim.Of(3) }))], c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext ctx)
    {
        var boxesT = ctx.Input(0);
        var scoresT = ctx.Input(1);
        if (boxesT.Rank != 3 || boxesT.Shape[2] != 4 || scoresT.Rank != 3 || scoresT.Shape[0] != boxesT.Shape[0] || scoresT.Shape[2] != boxesT.Shape[1])
            throw ctx.Error(ErrorCode.ShapeMismatch, "NonMaxSuppression needs boxes [B, N, 4] and scores [B, C, N]");
        long maxOut = ctx.OptionalInput(2) is { Length: > 0 } m ? Math.Max(TensorConvert.ToInt64s(m)[0], 0) : 0;
        double iouThreshold = ctx.OptionalInput(3) is { Length: > 0 } iou ? TensorConvert.ToDoubles(iou)[0] : 0;
        double? scoreThreshold = ctx.OptionalInput(4) is { Length: > 0 } st ? TensorConvert.ToDoubles(st)[0] : null;
        bool center = ctx.Int("center_point_box", 0) != 0;
        int batches = boxesT.Shape[0], n = boxesT.Shape[1], classes = scoresT.Shape[1];
        var boxes = TensorConvert.ToDoubles(boxesT);
        var scores = TensorConvert.ToDoubles(scoresT);
        var result = new List<long>();
        var selected = new List<int>();
        for (int b = 0; b < batches; b++)
            for (int c = 0; c < classes; c++)
            {
                int so = (b * classes + c) * n;
                var candidates = Enumerable.Range(0, n)
                    .Where(i => scoreThreshold is not { } t || scores[so + i] > t)
                    .OrderByDescending(i => scores[so + i]).ThenBy(i => i).ToList();
                selected.Clear();
                foreach (var i in candidates)
                {
                    if (selected.Count >= maxOut) break;
                    if (selected.Any(s => Suppresses(boxes, (b * n + s) * 4, (b * n + i) * 4, center, iouThreshold))) continue;
                    selected.Add(i);
                    result.AddRange([b, c, i]);
                }
            }
        return new Tensor<long>(result.ToArray(), [result.Count / 3, 3]);
    }

    private static bool Suppresses(double[] boxes, int a, int b, bool center, double threshold)
    {
        var (ax0, ay0, ax1, ay1) = Corners(boxes, a, center);
        var (bx0, by0, bx1, by1) = Corners(boxes, b, center);
        double ix0 = Math.Max(ax0, bx0), ix1 = Math.Min(ax1, bx1);
        if (ix1 <= ix0) return false;
        double iy0 = Math.Max(ay0, by0), iy1 = Math.Min(ay1, by1);
        if (iy1 <= iy0) return false;
        double inter = (ix1 - ix0) * (iy1 - iy0);
        double areaA = (ax1 - ax0) * (ay1 - ay0), areaB = (bx1 - bx0) * (by1 - by0);
        double union = areaA + areaB - inter;
        if (inter <= 0 || areaA <= 0 || areaB <= 0 || union <= 0) return false;
        return inter / union > threshold;
    }

    private static (double X0, double Y0, double X1, double Y1) Corners(double[] boxes, int o, bool center)
    {
        if (center)
        {
            double hw = boxes[o + 2] / 2, hh = boxes[o + 3] / 2;
            return (boxes[o] - hw, boxes[o + 1] - hh, boxes[o] + hw, boxes[o + 1] + hh);
        }
        return (Math.Min(boxes[o + 1], boxes[o + 3]), Math.Min(boxes[o], boxes[o + 2]),
            Math.Max(boxes[o + 1], boxes[o + 3]), Math.Max(boxes[o], boxes[o + 2]));
    }
}
