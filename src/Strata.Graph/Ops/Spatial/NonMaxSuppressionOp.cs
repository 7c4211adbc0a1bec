using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>NonMaxSuppression (opsets 10, 11): per batch and class, greedily selects boxes in order of decreasing
/// score (ties: lower box index first), skipping boxes whose score is not above <c>score_threshold</c> (when given)
/// and boxes whose IoU with an already selected box of the same class exceeds <c>iou_threshold</c>, until
/// <c>max_output_boxes_per_class</c> (default 0: none) are selected. Output (num_selected, 3) int64 rows of
/// (batch, class, box), batch-major, then class, then selection order — the order of the ONNX reference.
/// Boxes are (y1, x1, y2, x2) with corners in either order, or (x_center, y_center, width, height) with
/// <c>center_point_box</c> = 1. IoU is computed in the boxes' precision (float for f32/f16/bf16, double for f64).</summary>
internal static class NonMaxSuppressionOp
{
    public static OpSchema Schema => new("", "NonMaxSuppression",
        _ => [new TensorType(DataType.Int64, Shape.Of([Dim.Unknown, Dim.Of(3)]))], c => [Evaluate(c)]);

    private static Tensor Evaluate(OpContext ctx)
    {
        var boxes = ctx.Input(0);
        var scores = ctx.Input(1);
        if (!FloatBuffers.IsSupported(boxes.DataType) || !FloatBuffers.IsSupported(scores.DataType))
            throw ctx.Error(ErrorCode.UnsupportedDataType, $"NonMaxSuppression needs float boxes and scores, got {boxes.DataType.ShortName()} and {scores.DataType.ShortName()}");
        if (boxes.Rank != 3 || boxes.Shape[2] != 4 || scores.Rank != 3 || scores.Shape[0] != boxes.Shape[0] || scores.Shape[2] != boxes.Shape[1])
            throw ctx.Error(ErrorCode.ShapeMismatch,
                $"NonMaxSuppression needs boxes (B, N, 4) and scores (B, C, N), got {ShapeMath.Format(boxes.Shape)} and {ShapeMath.Format(scores.Shape)}");
        long centerPointBox = ctx.Int("center_point_box", 0);
        if (centerPointBox is not (0 or 1))
            throw ctx.Error(ErrorCode.InvalidAttribute, $"NonMaxSuppression center_point_box must be 0 or 1, got {centerPointBox}");
        long maxPerClass = ScalarOrDefault(ctx, 2) is { } m ? Math.Max((long)m, 0) : 0;
        double iou = ScalarOrDefault(ctx, 3) ?? 0;
        double? scoreThreshold = ScalarOrDefault(ctx, 4);
        var selected = boxes.DataType == DataType.Float64
            ? Select<double>(boxes, scores, maxPerClass, iou, scoreThreshold, centerPointBox == 1)
            : Select<float>(boxes, scores, maxPerClass, iou, scoreThreshold, centerPointBox == 1);
        return new Tensor<long>(selected.ToArray(), [selected.Count / 3, 3]);
    }

    /// <summary>The single value of optional input <paramref name="i"/>, or null when it is omitted or empty.</summary>
    private static double? ScalarOrDefault(OpContext ctx, int i)
    {
        if (ctx.OptionalInput(i) is not { } t || t.Length == 0) return null;
        return TensorConvert.ToDoubles(t)[0];
    }

    /// <summary>The selected (batch, class, box) triples, flattened.</summary>
    private static List<long> Select<T>(Tensor boxesTensor, Tensor scoresTensor, long maxPerClass, double iouThreshold, double? scoreThreshold,
        bool centerPoint) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var boxes = FloatBuffers.Read<T>(boxesTensor).Span;
        var scores = FloatBuffers.Read<T>(scoresTensor).Span;
        int batches = boxesTensor.Shape[0], numBoxes = boxesTensor.Shape[1], classes = scoresTensor.Shape[1];
        T iou = T.CreateTruncating(iouThreshold);
        T? threshold = scoreThreshold is { } st ? T.CreateTruncating(st) : null;
        var result = new List<long>();
        var candidates = new List<int>(numBoxes);
        var kept = new List<int>();
        // Each box as (min y, min x, max y, max x): the overlap test no longer cares about the input format.
        var corners = new T[numBoxes * 4];
        for (int b = 0; b < batches; b++)
        {
            ToCorners(boxes.Slice(b * numBoxes * 4, numBoxes * 4), corners, centerPoint);
            for (int c = 0; c < classes; c++)
            {
                var classScores = scores.Slice((b * classes + c) * numBoxes, numBoxes).ToArray();
                candidates.Clear();
                for (int i = 0; i < numBoxes; i++)
                    if (threshold is not { } th || classScores[i] > th) candidates.Add(i);
                candidates.Sort((i, j) =>
                {
                    int byScore = classScores[j].CompareTo(classScores[i]);
                    return byScore != 0 ? byScore : i.CompareTo(j);
                });
                kept.Clear();
                foreach (int candidate in candidates)
                {
                    if (kept.Count >= maxPerClass) break;
                    bool suppressed = false;
                    foreach (int k in kept)
                        if (Overlaps(corners, candidate, k, iou)) { suppressed = true; break; }
                    if (suppressed) continue;
                    kept.Add(candidate);
                    result.Add(b);
                    result.Add(c);
                    result.Add(candidate);
                }
            }
        }
        return result;
    }

    private static void ToCorners<T>(ReadOnlySpan<T> boxes, T[] corners, bool centerPoint) where T : IFloatingPointIeee754<T>
    {
        T two = T.CreateTruncating(2);
        for (int i = 0; i < boxes.Length; i += 4)
        {
            if (centerPoint)
            {
                T halfW = boxes[i + 2] / two, halfH = boxes[i + 3] / two;
                corners[i] = boxes[i + 1] - halfH;
                corners[i + 1] = boxes[i] - halfW;
                corners[i + 2] = boxes[i + 1] + halfH;
                corners[i + 3] = boxes[i] + halfW;
            }
            else
            {
                corners[i] = T.Min(boxes[i], boxes[i + 2]);
                corners[i + 1] = T.Min(boxes[i + 1], boxes[i + 3]);
                corners[i + 2] = T.Max(boxes[i], boxes[i + 2]);
                corners[i + 3] = T.Max(boxes[i + 1], boxes[i + 3]);
            }
        }
    }

    /// <summary>True if the intersection over union of boxes <paramref name="a"/> and <paramref name="b"/> exceeds
    /// <paramref name="threshold"/>; boxes that do not overlap or have no area never suppress each other.</summary>
    private static bool Overlaps<T>(T[] corners, int a, int b, T threshold) where T : IFloatingPointIeee754<T>
    {
        int i = a * 4, j = b * 4;
        T top = T.Max(corners[i], corners[j]), bottom = T.Min(corners[i + 2], corners[j + 2]);
        T left = T.Max(corners[i + 1], corners[j + 1]), right = T.Min(corners[i + 3], corners[j + 3]);
        if (!(bottom > top) || !(right > left)) return false;
        T intersection = (right - left) * (bottom - top);
        T areaA = (corners[i + 2] - corners[i]) * (corners[i + 3] - corners[i + 1]);
        T areaB = (corners[j + 2] - corners[j]) * (corners[j + 3] - corners[j + 1]);
        T union = areaA + areaB - intersection;
        if (!(intersection > T.Zero) || !(areaA > T.Zero) || !(areaB > T.Zero) || !(union > T.Zero)) return false;
        return intersection / union > threshold;
    }
}
