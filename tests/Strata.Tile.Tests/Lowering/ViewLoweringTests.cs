using CsCheck;
using Strata.Core;
using static Strata.Tile.Tests.Lowering.LoweringCheck;
using static Strata.Tile.Tests.Lowering.RandomData;

namespace Strata.Tile.Tests.Lowering;

/// <summary>View and data-movement lowerings on random shapes and parameters (shape-like operands are graph
/// constants), each compared with the reference interpreter.</summary>
public sealed class ViewLoweringTests
{
    private static Tensor X(Random rng, int[] shape) => Tensor(rng, rng.Pick(All), shape);

    [Fact]
    public void Reshape_flatten_squeeze_unsqueeze_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 4, 4);
            var x = X(rng, shape);
            // A random regrouping of the element count into new dims, with a 0 (copy) or -1 (inferred) sometimes.
            int total = shape.Aggregate(1, (p, d) => p * d);
            var dims = new List<long>();
            int rest = total;
            while (rest > 1 && dims.Count < 4)
            {
                var divisors = Enumerable.Range(2, rest - 1).Where(d => rest % d == 0).ToArray();
                int d = rng.Pick(divisors);
                dims.Add(d);
                rest /= d;
            }
            if (rest != 1 || rng.Next(3) == 0) dims.Add(rest);
            if (rng.Next(3) == 0) dims.Insert(rng.Next(dims.Count + 1), 1);
            if (dims.Count > 0 && rng.Next(3) == 0) dims[rng.Next(dims.Count)] = -1;
            Lowers("Reshape", [x, Longs([.. dims])], constants: [1]);
            if (shape.Length > 0 && rng.Next(2) == 0) Lowers("Reshape", [x, Longs([.. shape.Select((d, i) => i == 0 ? 0L : d)])], constants: [1]);
            Lowers("Flatten", [x], [A("axis", (long)rng.Next(-shape.Length, shape.Length + 1))]);
            Lowers("Squeeze", [x]);
            var ones = shape.Select((d, i) => (d, i)).Where(p => p.d == 1).Select(p => (long)p.i).ToArray();
            if (ones.Length > 0) Lowers("Squeeze", [x, Longs(ones.Take(rng.Next(1, ones.Length + 1)).ToArray())], constants: [1]);
            long axis = rng.Next(-(shape.Length + 1), shape.Length + 1);
            Lowers("Unsqueeze", [x, Longs(axis)], constants: [1]);
            Lowers("Unsqueeze", [x], [A("axes", new[] { 0L, shape.Length + 1L })], opset: 11);
        }, iter: 150);
    }

    [Fact]
    public void Transpose_expand_tile_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 5, 4);
            var x = X(rng, shape);
            var perm = Enumerable.Range(0, shape.Length).Select(i => (long)i).OrderBy(_ => rng.Next()).ToArray();
            Lowers("Transpose", [x], rng.Next(4) == 0 ? [] : [A("perm", perm)]);
            var s = shape.Select(d => d == 1 ? (long)rng.Next(1, 4) : d).ToList();
            if (rng.Next(2) == 0) s.Insert(0, rng.Next(1, 3));
            Lowers("Expand", [Tensor(rng, DataType.Float32, [.. shape.Select(d => rng.Next(3) == 0 ? 1 : d)]), Longs([.. s])], constants: [1]);
            Lowers("Tile", [x, Longs([.. shape.Select(_ => (long)rng.Next(0, 4))])], constants: [1]);
        }, iter: 150);
    }

    [Fact]
    public void Slice_matches_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 4, 6);
            if (shape.Length == 0) shape = [5];
            var x = X(rng, shape);
            var axes = Enumerable.Range(0, shape.Length).OrderBy(_ => rng.Next()).Take(rng.Next(1, shape.Length + 1)).ToArray();
            long[] starts = axes.Select(a => (long)rng.Next(-shape[a] - 2, shape[a] + 3)).ToArray();
            long[] ends = axes.Select(a => rng.Next(8) == 0 ? long.MaxValue : rng.Next(8) == 0 ? long.MinValue : (long)rng.Next(-shape[a] - 2, shape[a] + 3)).ToArray();
            long[] steps = axes.Select(_ => (long)rng.Pick(new[] { 1, 1, 2, 3, -1, -2 })).ToArray();
            long[] axisValues = axes.Select(a => rng.Next(2) == 0 ? (long)a : a - shape.Length).ToArray();
            Lowers("Slice", [x, Longs(starts), Longs(ends), Longs(axisValues), Longs(steps)], constants: [1, 2, 3, 4]);
            Lowers("Slice", [x], [A("starts", starts), A("ends", ends), A("axes", axes.Select(a => (long)a).ToArray())], opset: 9);
        }, iter: 200);
    }

    [Fact]
    public void Concat_and_split_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 4, 4);
            if (shape.Length == 0) shape = [3];
            int axis = rng.Next(shape.Length);
            var type = rng.Pick(All);
            var parts = Enumerable.Range(0, rng.Next(1, 5))
                .Select(_ => (Tensor?)Tensor(rng, type, [.. shape.Select((d, i) => i == axis ? rng.Next(0, 4) : d)])).ToArray();
            Lowers("Concat", parts, [A("axis", (long)(rng.Next(2) == 0 ? axis : axis - shape.Length))]);
            var x = Tensor(rng, type, shape);
            int n = rng.Next(1, 4);
            var sizes = new long[n];
            for (int i = 0, left = shape[axis]; i < n; i++) { sizes[i] = i == n - 1 ? left : rng.Next(0, left + 1); left -= (int)sizes[i]; }
            Lowers("Split", [x, Longs(sizes)], [A("axis", (long)axis)], outputs: n, constants: [1]);
            Lowers("Split", [x], [A("axis", (long)axis), A("num_outputs", (long)n)], outputs: n, opset: 18, comparer: null);
            Lowers("Split", [x], [A("axis", (long)axis), A("split", sizes)], outputs: n, opset: 11);
        }, iter: 150);
    }

    [Fact]
    public void Gather_and_gather_elements_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 3, 4);
            if (shape.Length == 0) shape = [4];
            var x = X(rng, shape);
            int axis = rng.Next(shape.Length);
            int dim = shape[axis];
            var ishape = Shape(rng, 2, 3);
            var itype = rng.Pick(new[] { DataType.Int64, DataType.Int32 });
            var indices = Tensor(rng, itype, ishape, -dim, dim - 1);
            Lowers("Gather", [x, indices], [A("axis", (long)axis)]);
            Lowers("Gather", [x, indices], [A("axis", (long)axis)], constants: [1]);
            var eshape = shape.Select((d, i) => i == axis ? rng.Next(1, 4) : rng.Next(1, d + 1)).ToArray();
            Lowers("GatherElements", [x, Tensor(rng, itype, eshape, -dim, dim - 1)], [A("axis", (long)axis)]);
        }, iter: 150);
    }

    [Fact]
    public void Pad_matches_the_reference_in_every_mode()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 3, 5);
            if (shape.Length == 0) shape = [4];
            var type = rng.Pick(All);
            var x = Tensor(rng, type, shape);
            string mode = rng.Pick(new[] { "constant", "edge", "reflect", "wrap" });
            var pads = new long[2 * shape.Length];
            for (int d = 0; d < shape.Length; d++)
            {
                // Negative pads crop, keeping at least one element (edge, reflect and wrap need one).
                pads[d] = rng.Next(-(shape[d] - 1) / 2, 5);
                pads[shape.Length + d] = rng.Next(-(shape[d] - 1) / 2, 5);
            }
            var value = Tensor(rng, type, []);
            Lowers("Pad", [x, Longs(pads), mode == "constant" ? value : null], [A("mode", mode)], constants: [1]);
            Lowers("Pad", [x], [A("mode", mode), A("pads", pads), A("value", 1.5f)], opset: 10);
            var axis = rng.Next(shape.Length);
            Lowers("Pad", [x, Longs(pads[axis], pads[shape.Length + axis]), null, Longs(axis)], [A("mode", mode)], constants: [1, 3]);
        }, iter: 200);
    }

    [Fact]
    public void Depth_to_space_and_space_to_depth_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            int b = rng.Next(1, 4), n = rng.Next(1, 3), c = rng.Next(1, 3), h = rng.Next(1, 3), w = rng.Next(1, 3);
            var x = X(rng, [n, c * b * b, h, w]);
            Lowers("DepthToSpace", [x], [A("blocksize", (long)b), A("mode", rng.Next(2) == 0 ? "DCR" : "CRD")]);
            Lowers("SpaceToDepth", [X(rng, [n, c, h * b, w * b])], [A("blocksize", (long)b)]);
        }, iter: 100);
    }

    [Fact]
    public void Resize_matches_the_reference_in_every_mode()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = new[] { 1, rng.Next(1, 3), rng.Next(1, 5), rng.Next(1, 5) };
            var type = rng.Pick(new[] { DataType.Float32, DataType.Float64, DataType.Float16, DataType.UInt8, DataType.Int32 });
            var x = Tensor(rng, type, shape, 0, 100);
            string mode = rng.Pick(new[] { "nearest", "linear", "cubic" });
            string coord = rng.Pick(new[] { "half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn",
                "half_pixel_symmetric", "tf_crop_and_resize" });
            if (mode != "nearest" && coord == "tf_half_pixel_for_nn") coord = "half_pixel";
            var attrs = new List<Graph.Attribute> { A("mode", mode), A("coordinate_transformation_mode", coord) };
            if (mode == "nearest") attrs.Add(A("nearest_mode", rng.Pick(new[] { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" })));
            if (mode == "cubic") attrs.Add(A("cubic_coeff_a", rng.Pick(new[] { -0.75f, -0.5f })));
            if (rng.Next(3) == 0) attrs.Add(A("exclude_outside", 1L));
            if (mode != "nearest" && rng.Next(3) == 0) attrs.Add(A("antialias", 1L));
            if (coord == "tf_crop_and_resize") attrs.Add(A("extrapolation_value", 7.5f));
            var empty = new Tensor<float>(Array.Empty<float>(), [0]);
            var roi = coord == "tf_crop_and_resize"
                ? new Tensor<float>(new[] { 0f, 0f, (float)rng.NextDouble() * 0.5f - 0.2f, (float)rng.NextDouble() * 0.5f - 0.2f,
                    1f, 1f, 0.6f + (float)rng.NextDouble() * 0.6f, 0.6f + (float)rng.NextDouble() * 0.6f }, [8])
                : empty;
            if (rng.Next(2) == 0)
            {
                var scales = new Tensor<float>(shape.Select((_, i) => i < 2 ? 1f : rng.Pick(new[] { 0.5f, 0.6f, 1f, 1.5f, 2f, 3f })).ToArray(), [4]);
                Lowers("Resize", [x, roi, scales], [.. attrs], opset: 19, constants: [1, 2], comparer: Comparer(type));
            }
            else
            {
                var sizes = Longs([.. shape.Select((d, i) => i < 2 ? d : (long)rng.Next(1, 9))]);
                Lowers("Resize", [x, roi, null, sizes], [.. attrs], opset: 19, constants: [1, 3], comparer: Comparer(type));
            }
            var up = new Tensor<float>(new[] { 1f, 1f, rng.Pick(new[] { 1f, 2f, 3f }), rng.Pick(new[] { 1f, 2f, 2.5f }) }, [4]);
            Lowers("Upsample", [x, up], [A("mode", mode == "cubic" ? "linear" : mode)], opset: 9, constants: [1], comparer: Comparer(type));
        }, iter: 250);
    }

    [Fact]
    public void Generators_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 4, 4);
            var x = X(rng, shape);
            Lowers("Shape", [x]);
            Lowers("Shape", [x], [A("start", (long)rng.Next(-5, 5)), A("end", (long)rng.Next(-5, 5))]);
            Lowers("Size", [x]);
            var type = rng.Pick(new[] { DataType.Float32, DataType.Int32, DataType.Int64, DataType.Float64, DataType.Int16 });
            var (s, l, d) = (Tensor(rng, type, [], -10, 10), Tensor(rng, type, [], -10, 10), Tensor(rng, type, [], 1, 3));
            if (rng.Next(2) == 0) ScalarSemantics.Write(d, 0, ScalarSemantics.Binary(BinaryOp.Sub, type, Scalar.Int(0), ScalarSemantics.Read(d, 0)));
            Lowers("Range", [s, l, d], constants: [0, 1, 2]);
            var value = Tensor(rng, rng.Pick(All), [1]);
            Lowers("ConstantOfShape", [Longs([.. shape.Select(v => (long)v)])], [Graph.Attribute.Of("value", value)], constants: [0]);
            if (shape.Length >= 1)
                Lowers("EyeLike", [X(rng, [shape[0], rng.Next(1, 5)])], [A("k", (long)rng.Next(-2, 3))]);
            Lowers("Constant", [], [Graph.Attribute.Of("value", X(rng, Shape(rng, 2, 3)))]);
        }, iter: 100);
    }

    [Fact]
    public void Trilu_reverse_sequence_gather_nd_one_hot_center_crop_pad_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 2, 4).Concat([rng.Next(1, 5), rng.Next(1, 5)]).ToArray();
            var x = X(rng, shape);
            var k = Tensor<long>.Scalar(rng.Next(-4, 5));
            Lowers("Trilu", [x, rng.Next(3) == 0 ? null : k], [A("upper", (long)rng.Next(2))], constants: rng.Next(2) == 0 ? [1] : []);

            int batchAxis = rng.Next(2), timeAxis = 1 - batchAxis;
            var lens = Tensor(rng, DataType.Int64, [shape[batchAxis]], 0, shape[timeAxis]);
            Lowers("ReverseSequence", [x, lens], [A("batch_axis", (long)batchAxis), A("time_axis", (long)timeAxis)]);

            int bd = rng.Next(2), kk = rng.Next(1, shape.Length - bd + 1);
            var ishape = shape.Take(bd).Concat(Shape(rng, 2, 3)).Append(kk).ToArray();
            var nd = TensorFactory.Create(DataType.Int64, ishape);
            for (int i = 0; i < nd.Length; i++)
            {
                int dim = shape[bd + i % kk];
                ScalarSemantics.Write(nd, i, Scalar.Int(rng.Next(-dim, dim)));
            }
            Lowers("GatherND", [x, nd], [A("batch_dims", (long)bd)]);

            int depth = rng.Next(1, 6);
            var hot = Tensor(rng, rng.Pick(new[] { DataType.Int64, DataType.Int32, DataType.Float32 }), Shape(rng, 3, 3), -depth - 1, depth + 1);
            Lowers("OneHot", [hot, Tensor<long>.Scalar(depth), Tensor(rng, rng.Pick(All), [2])], [A("axis", (long)rng.Next(-hot.Rank - 1, hot.Rank + 1))], constants: [1]);

            var target = shape.Select(d => (long)rng.Next(1, d + 3)).ToArray();
            Lowers("CenterCropPad", [x, Longs(target)], constants: [1]);
        }, iter: 150);
    }
}
