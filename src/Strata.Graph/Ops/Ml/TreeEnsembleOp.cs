using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.ml TreeEnsemble (opset 5): each tree (from <c>tree_roots</c>) routes a row of X [N, F] through
/// interior nodes (<c>nodes_*</c>: feature, mode, split, true/false child that is a node or a leaf) to one leaf
/// (<c>leaf_weights</c>, <c>leaf_targetids</c>); leaf weights are aggregated per target (AVERAGE, SUM, MIN, MAX)
/// into Y [N, n_targets] and post-transformed (NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO). Modes: LEQ, LT, GTE, GT,
/// EQ, NEQ, MEMBER (sets listed in <c>membership_values</c>, NaN-separated, in node order). A NaN feature takes
/// the true branch where <c>nodes_missing_value_tracks_true</c> says so.</summary>
internal static class TreeEnsembleOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.ml", "TreeEnsemble", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return [null];
        Dim rows = c.InputTensor(0)?.Shape is { Rank: 2 } s ? s[0] : Dim.Unknown;
        Dim targets = c.Node.Attr("n_targets") is { } n ? n.AsInt() : Dim.Unknown;
        return [new TensorType(et, Shape.Of([rows, targets]))];
    }

    private sealed record Trees(
        long[] Features, int[] Modes, double[] Splits, long[] TrueIds, long[] FalseIds, bool[] TrueLeaf, bool[] FalseLeaf,
        bool[] MissingTrue, HashSet<double>?[] Members, double[] LeafWeights, long[] LeafTargets, long[] Roots);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 2) throw c.Error(ErrorCode.InvalidShape, $"TreeEnsemble takes X of shape [N, F], got {ShapeMath.Format(x.Shape)}");
        var trees = Read(c);
        int targets = (int)c.Int("n_targets", -1);
        if (targets < 1) throw c.Error(ErrorCode.InvalidAttribute, "n_targets must be given and >= 1");
        int aggregate = (int)c.Int("aggregate_function", 1);
        int post = (int)c.Int("post_transform", 0);
        if (aggregate is < 0 or > 3) throw c.Error(ErrorCode.InvalidAttribute, $"unknown aggregate_function {aggregate}");
        if (post is < 0 or > 3)
            throw c.Error(post == 4 ? ErrorCode.NotImplemented : ErrorCode.InvalidAttribute,
                post == 4 ? "post_transform PROBIT is not implemented" : $"unknown post_transform {post}");

        int rows = x.Shape[0], features = x.Shape[1];
        var v = TensorConvert.ToDoubles(x);
        var y = new double[rows * targets];
        // MIN/MAX start from the extremes of X's type (so untouched targets stay finite after conversion).
        double highest = x.DataType switch { DataType.Float32 => float.MaxValue, DataType.Float16 => (double)Half.MaxValue, _ => double.MaxValue };
        for (int r = 0; r < rows; r++)
        {
            var row = v.AsSpan(r * features, features);
            var outRow = y.AsSpan(r * targets, targets);
            outRow.Fill(aggregate switch { 2 => highest, 3 => -highest, _ => 0 });
            foreach (var root in trees.Roots)
            {
                int leaf = FindLeaf(c, trees, root, row);
                long target = trees.LeafTargets[leaf];
                if (target < 0 || target >= targets) throw c.Error(ErrorCode.IndexOutOfRange, $"leaf target {target} is outside [0, {targets})");
                double w = trees.LeafWeights[leaf];
                ref double o = ref outRow[(int)target];
                o = aggregate switch
                {
                    0 => o + w / trees.Roots.Length,
                    1 => o + w,
                    2 => Math.Min(o, w),
                    _ => Math.Max(o, w),
                };
            }
            PostTransform(post, outRow);
        }
        return [TensorConvert.FromDoubles(x.DataType, y, [rows, targets])];
    }

    private static int FindLeaf(OpContext c, Trees t, long root, ReadOnlySpan<double> row)
    {
        // A single-leaf tree is a root whose two branches are the same leaf.
        if (t.TrueLeaf[root] && t.FalseLeaf[root] && t.TrueIds[root] == t.FalseIds[root]) return (int)t.TrueIds[root];
        long node = root;
        for (int depth = 0; depth <= t.Features.Length; depth++)
        {
            double value = row[(int)t.Features[node]];
            // IEEE comparisons: NaN fails every test but NEQ, unless the node sends missing values to the true branch.
            bool go = double.IsNaN(value) && t.MissingTrue[node] || t.Modes[node] switch
            {
                0 => value <= t.Splits[node],
                1 => value < t.Splits[node],
                2 => value >= t.Splits[node],
                3 => value > t.Splits[node],
                4 => value == t.Splits[node],
                5 => value != t.Splits[node],
                _ => t.Members[node]!.Contains(value),
            };
            long next = go ? t.TrueIds[node] : t.FalseIds[node];
            if (go ? t.TrueLeaf[node] : t.FalseLeaf[node]) return (int)next;
            node = next;
        }
        throw c.Error(ErrorCode.InvalidAttribute, "the tree has a cycle", "nodes_truenodeids/nodes_falsenodeids must form trees");
    }

    private static void PostTransform(int post, Span<double> scores)
    {
        switch (post)
        {
            case 1:
            {
                double max = double.MinValue, sum = 0;
                foreach (var s in scores) max = Math.Max(max, s);
                for (int i = 0; i < scores.Length; i++) sum += scores[i] = Math.Exp(scores[i] - max);
                for (int i = 0; i < scores.Length; i++) scores[i] /= sum;
                break;
            }
            case 2:
                for (int i = 0; i < scores.Length; i++) scores[i] = 1 / (1 + Math.Exp(-scores[i]));
                break;
            case 3:
            {
                // Softmax over the non-zero scores; zeros stay zero.
                double max = double.MinValue, sum = 0;
                foreach (var s in scores) if (s != 0) max = Math.Max(max, s);
                for (int i = 0; i < scores.Length; i++) if (scores[i] != 0) sum += scores[i] = Math.Exp(scores[i] - max);
                for (int i = 0; i < scores.Length; i++) if (scores[i] != 0) scores[i] /= sum;
                break;
            }
        }
    }

    private static Trees Read(OpContext c)
    {
        long[] Ints(string name, bool required = true) => c.Ints(name)
            ?? (required ? throw c.Error(ErrorCode.InvalidAttribute, $"TreeEnsemble needs the '{name}' attribute") : []);
        double[] Doubles(string name, bool required = true) => c.TensorAttr(name) is { } t ? TensorConvert.ToDoubles(t)
            : required ? throw c.Error(ErrorCode.InvalidAttribute, $"TreeEnsemble needs the '{name}' attribute") : [];

        var features = Ints("nodes_featureids");
        int count = features.Length;
        var modes = Array.ConvertAll(Doubles("nodes_modes"), m => (int)m);
        var splits = Doubles("nodes_splits");
        var trueIds = Ints("nodes_truenodeids");
        var falseIds = Ints("nodes_falsenodeids");
        var trueLeaf = Array.ConvertAll(Ints("nodes_trueleafs"), v => v != 0);
        var falseLeaf = Array.ConvertAll(Ints("nodes_falseleafs"), v => v != 0);
        var missing = Ints("nodes_missing_value_tracks_true", required: false);
        var missingTrue = new bool[count];
        for (int i = 0; i < missing.Length && i < count; i++) missingTrue[i] = missing[i] != 0;
        if (modes.Length != count || splits.Length != count || trueIds.Length != count || falseIds.Length != count
            || trueLeaf.Length != count || falseLeaf.Length != count)
            throw c.Error(ErrorCode.InvalidAttribute, "the nodes_* attributes must all have one entry per node");

        var leafWeights = Doubles("leaf_weights");
        var leafTargets = Ints("leaf_targetids");
        if (leafWeights.Length != leafTargets.Length)
            throw c.Error(ErrorCode.InvalidAttribute, "leaf_weights and leaf_targetids must have one entry per leaf");

        var members = new HashSet<double>?[count];
        var memberValues = Doubles("membership_values", required: false);
        int next = 0;
        for (int i = 0; i < count; i++)
        {
            if (modes[i] is < 0 or > 6) throw c.Error(ErrorCode.InvalidAttribute, $"unknown node mode {modes[i]}");
            if (modes[i] != 6) continue;
            if (next >= memberValues.Length)
                throw c.Error(ErrorCode.InvalidAttribute, "membership_values must list one NaN-separated set per BRANCH_MEMBER node");
            members[i] = [];
            while (next < memberValues.Length && !double.IsNaN(memberValues[next])) members[i]!.Add(memberValues[next++]);
            next++;
        }
        for (int i = 0; i < count; i++)
        {
            if (features[i] < 0) throw c.Error(ErrorCode.InvalidAttribute, $"node {i} has a negative feature id");
            if (!trueLeaf[i] && (trueIds[i] < 0 || trueIds[i] >= count) || trueLeaf[i] && (trueIds[i] < 0 || trueIds[i] >= leafWeights.Length)
                || !falseLeaf[i] && (falseIds[i] < 0 || falseIds[i] >= count) || falseLeaf[i] && (falseIds[i] < 0 || falseIds[i] >= leafWeights.Length))
                throw c.Error(ErrorCode.InvalidAttribute, $"node {i} points to a node or leaf that does not exist");
        }
        var roots = Ints("tree_roots");
        foreach (var r in roots)
            if (r < 0 || r >= count) throw c.Error(ErrorCode.InvalidAttribute, $"tree root {r} is not a node");
        return new Trees(features, modes, splits, trueIds, falseIds, trueLeaf, falseLeaf, missingTrue, members, leafWeights, leafTargets, roots);
    }
}
