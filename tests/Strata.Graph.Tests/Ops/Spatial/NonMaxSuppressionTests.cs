using CsCheck;
using Strata.Core;
using Attribute = Strata.Graph.Attribute;
using static Strata.Graph.Tests.Ops.Spatial.SpatialHarness;

namespace Strata.Graph.Tests.Ops.Spatial;

public class NonMaxSuppressionTests
{
    private static Tensor[] Inputs(Tensor<float> boxes, Tensor<float> scores, long maxPerClass, float iou, float? scoreThreshold) =>
    [
        boxes, scores, new Tensor<long>(new[] { maxPerClass }, [1]), new Tensor<float>(new[] { iou }, [1]),
        .. scoreThreshold is { } s ? new Tensor[] { new Tensor<float>(new[] { s }, [1]) } : [],
    ];

    private static long[,] Select(Tensor[] inputs, long centerPointBox = 0)
    {
        var y = (Tensor<long>)Run("NonMaxSuppression", 11, inputs, Attribute.Of("center_point_box", centerPointBox));
        Assert.Equal(3, y.Shape[1]);
        var r = new long[y.Shape[0], 3];
        for (int i = 0; i < y.Length; i++) r[i / 3, i % 3] = y[i];
        return r;
    }

    // Boxes (y1, x1, y2, x2): 0 and 1 overlap with IoU 81/100; 2 overlaps 0 with IoU 50/200 and 1 with 45/186; 3 is apart.
    private static readonly Tensor<float> Boxes = Floats([1, 4, 4],
        0, 0, 10, 10,
        1, 1, 10, 10,
        0, 5, 10, 20,
        50, 50, 60, 60);

    [Fact]
    public void Keeps_the_best_box_of_each_overlapping_cluster_in_score_order()
    {
        var scores = Floats([1, 1, 4], 0.8f, 0.9f, 0.7f, 0.95f);
        Assert.Equal(new long[,] { { 0, 0, 3 }, { 0, 0, 1 }, { 0, 0, 2 } }, Select(Inputs(Boxes, scores, 10, 0.5f, null)));
        // A lower IoU threshold lets box 2 be suppressed by box 1 (IoU 45/186 ≈ 0.24).
        Assert.Equal(new long[,] { { 0, 0, 3 }, { 0, 0, 1 } }, Select(Inputs(Boxes, scores, 10, 0.2f, null)));
        // max_output_boxes_per_class and score_threshold.
        Assert.Equal(new long[,] { { 0, 0, 3 }, { 0, 0, 1 } }, Select(Inputs(Boxes, scores, 2, 0.5f, null)));
        Assert.Equal(new long[,] { { 0, 0, 3 }, { 0, 0, 1 } }, Select(Inputs(Boxes, scores, 10, 0.5f, 0.7f)));
        // Omitted max_output_boxes_per_class selects nothing.
        Assert.Equal(0, Run("NonMaxSuppression", 11, [Boxes, scores]).Shape[0]);
    }

    [Fact]
    public void Equal_scores_prefer_the_lower_box_index_and_classes_are_independent()
    {
        var scores = Floats([1, 2, 4], 0.5f, 0.5f, 0.5f, 0.5f, 0.1f, 0.2f, 0.3f, 0.4f);
        Assert.Equal(new long[,] { { 0, 0, 0 }, { 0, 0, 2 }, { 0, 0, 3 }, { 0, 1, 3 }, { 0, 1, 2 }, { 0, 1, 1 } },
            Select(Inputs(Boxes, scores, 10, 0.5f, null)));
    }

    [Fact]
    public void Center_point_and_flipped_corner_formats_select_the_same_boxes()
    {
        Gen.Int[1, 12].Select(Gen.Int[0, 1 << 20]).Sample((count, seed) =>
        {
            var rng = new Random(seed);
            var corners = new Tensor<float>([1, count, 4]);
            var flipped = new Tensor<float>([1, count, 4]);
            var centers = new Tensor<float>([1, count, 4]);
            for (int i = 0; i < count; i++)
            {
                // Integer corners keep the centre form exact.
                float y1 = rng.Next(0, 20), x1 = rng.Next(0, 20), h = rng.Next(1, 10), w = rng.Next(1, 10);
                float[] box = [y1, x1, y1 + h, x1 + w];
                for (int k = 0; k < 4; k++) corners[i * 4 + k] = box[k];
                float[] flip = [y1 + h, x1, y1, x1 + w];
                for (int k = 0; k < 4; k++) flipped[i * 4 + k] = flip[k];
                float[] center = [x1 + w / 2, y1 + h / 2, w, h];
                for (int k = 0; k < 4; k++) centers[i * 4 + k] = center[k];
            }
            var scores = Random(rng, 1, 1, count);
            var expected = Select(Inputs(corners, scores, 100, 0.3f, null));
            Assert.Equal(expected, Select(Inputs(flipped, scores, 100, 0.3f, null)));
            Assert.Equal(expected, Select(Inputs(centers, scores, 100, 0.3f, null), centerPointBox: 1));
        }, iter: 50);
    }

    [Fact]
    public void Selection_satisfies_the_greedy_invariants()
    {
        Gen.Int[1, 3].Select(Gen.Int[1, 3], Gen.Int[1, 15], Gen.Int[1, 6], Gen.Double[0, 0.9], Gen.Int[0, 1 << 20])
            .Sample((batches, classes, count, maxPerClass, iou, seed) =>
            {
                var rng = new Random(seed);
                var boxes = new Tensor<float>([batches, count, 4]);
                for (int i = 0; i < boxes.Length; i++) boxes[i] = (float)(rng.NextDouble() * 10);
                var scores = Random(rng, batches, classes, count);
                var sel = Select(Inputs(boxes, scores, maxPerClass, (float)iou, -0.5f));
                int row = 0;
                for (int b = 0; b < batches; b++)
                for (int c = 0; c < classes; c++)
                {
                    var kept = new List<int>();
                    while (row < sel.GetLength(0) && sel[row, 0] == b && sel[row, 1] == c) kept.Add((int)sel[row++, 2]);
                    float Score(int i) => scores[(b * classes + c) * count + i];
                    Assert.True(kept.Count <= maxPerClass);
                    for (int i = 1; i < kept.Count; i++) Assert.True(Score(kept[i - 1]) >= Score(kept[i]), "selection order is by score");
                    for (int i = 0; i < kept.Count; i++)
                    {
                        Assert.True(Score(kept[i]) > -0.5f);
                        for (int j = 0; j < i; j++) Assert.True(Iou(boxes, b, count, kept[i], kept[j]) <= iou + 1e-6, "kept boxes do not overlap");
                    }
                    if (kept.Count == maxPerClass) continue;
                    // Every box above the threshold that was not kept overlaps a kept box with a higher score.
                    for (int i = 0; i < count; i++)
                    {
                        if (kept.Contains(i) || Score(i) <= -0.5f) continue;
                        Assert.Contains(kept, k => Score(k) >= Score(i) && Iou(boxes, b, count, i, k) > iou - 1e-6);
                    }
                }
                Assert.Equal(sel.GetLength(0), row);
            }, iter: 80);
    }

    /// <summary>Intersection over union of two (y1, x1, y2, x2) boxes with corners in any order.</summary>
    private static double Iou(Tensor<float> boxes, int batch, int count, int i, int j)
    {
        double[] Box(int k)
        {
            int at = (batch * count + k) * 4;
            double y1 = boxes[at], x1 = boxes[at + 1], y2 = boxes[at + 2], x2 = boxes[at + 3];
            return [Math.Min(y1, y2), Math.Min(x1, x2), Math.Max(y1, y2), Math.Max(x1, x2)];
        }
        var a = Box(i);
        var b = Box(j);
        double ih = Math.Max(0, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0])), iw = Math.Max(0, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
        double inter = ih * iw, union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    [Fact]
    public void Infers_int64_rows_of_three()
    {
        var t = SpatialHarness.Infer("NonMaxSuppression", 11, [Infer.Tensor(DataType.Float32, 1, 6, 4), Infer.Tensor(DataType.Float32, 1, 1, 6)]);
        Assert.Equal("[?,3]", ((TensorType)t!).Shape!.ToString());
        Assert.Equal(DataType.Int64, ((TensorType)t!).ElementType);
    }
}
