using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

/// <summary>Property tests on random shapes: each op is compared with a direct multi-index computation, and
/// inverse pairs (Transpose/inverse perm, Reshape/back, Split/Concat) round-trip.</summary>
public class RoundTripPropertyTests
{
    private static readonly Gen<int[]> Shapes = Gen.Int[1, 4].Array[1, 4];

    private static int[] RandomPerm(Random rng, int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(p);
        return p;
    }

    [Fact]
    public void TransposeMovesEachElementToItsPermutedIndex() =>
        Gen.Select(Shapes, Gen.Int).Sample((shape, seed) =>
        {
            var perm = RandomPerm(new Random(seed), shape.Length);
            var x = Iota(shape);
            var y = Run1("Transpose", [x], attributes: Attribute.Of("perm", perm.Select(p => (long)p).ToArray()));
            Assert.Equal(perm.Select(p => shape[p]).ToArray(), y.Shape);
            var yt = (Tensor<float>)y;
            for (int f = 0; f < y.Length; f++)
            {
                var outIdx = Unravel(f, y.Shape);
                var inIdx = new int[shape.Length];
                for (int d = 0; d < perm.Length; d++) inIdx[perm[d]] = outIdx[d];
                Assert.Equal(x.At(inIdx), yt[f]);
            }
        });

    [Fact]
    public void TransposeByInversePermRoundTrips() =>
        Gen.Select(Shapes, Gen.Int).Sample((shape, seed) =>
        {
            var perm = RandomPerm(new Random(seed), shape.Length);
            var inverse = new long[perm.Length];
            for (int d = 0; d < perm.Length; d++) inverse[perm[d]] = d;
            var x = Iota(shape);
            var y = Run1("Transpose", [x], attributes: Attribute.Of("perm", perm.Select(p => (long)p).ToArray()));
            var back = Run1("Transpose", [y], attributes: Attribute.Of("perm", inverse));
            Assert.Equal(shape, back.Shape);
            Assert.Equal(x.ToArray(), ((Tensor<float>)back).ToArray());
        });

    [Fact]
    public void ReshapeKeepsRowMajorDataAndInfersMinusOneAndZero() =>
        Gen.Select(Shapes, Gen.Int).Sample((shape, seed) =>
        {
            var rng = new Random(seed);
            var x = Iota(shape);
            // Target: the dims shuffled, one replaced by -1, and a leading 0 (copy) where dims agree.
            var target = shape.Select(d => (long)d).ToArray();
            rng.Shuffle(target);
            int minus = rng.Next(target.Length);
            var spec = (long[])target.Clone();
            spec[minus] = -1;
            if (minus != 0 && spec[0] == shape[0]) spec[0] = 0;
            var y = Run1("Reshape", [x, Vec(spec)]);
            Assert.Equal(target.Select(d => (int)d).ToArray(), y.Shape);
            Assert.Equal(x.ToArray(), ((Tensor<float>)y).ToArray());
            var back = Run1("Reshape", [y, Vec(shape.Select(d => (long)d).ToArray())]);
            Assert.Equal(shape, back.Shape);
        });

    /// <summary>The indices x[start:end:step] visits along a dim, found by filtering rather than by clamping the end.
    /// As the ONNX spec says (unlike Python), a negative-step start clamps into [0, dim-1].</summary>
    private static int[] SliceOracle(int dim, long start, long end, long step)
    {
        long s = start < 0 ? start + dim : start;
        long e = end < 0 ? end + dim : end;
        if (step > 0)
        {
            s = Math.Max(s, 0);
            return Enumerable.Range(0, dim).Where(i => i >= s && i < e && (i - s) % step == 0).ToArray();
        }
        s = Math.Clamp(s, 0, dim - 1);
        return Enumerable.Range(0, dim).Where(i => i <= s && i > e && (s - i) % -step == 0).Reverse().ToArray();
    }

    [Fact]
    public void SliceMatchesPythonSlicingPerAxis() =>
        Gen.Select(Gen.Int[1, 6].Array[1, 3], Gen.Int).Sample((shape, seed) =>
        {
            var rng = new Random(seed);
            var x = Iota(shape);
            var axes = RandomPerm(rng, shape.Length).Take(rng.Next(1, shape.Length + 1)).ToArray();
            var starts = axes.Select(a => (long)rng.Next(-shape[a] - 2, shape[a] + 3)).ToArray();
            var ends = axes.Select(a => rng.Next(5) == 0 ? long.MaxValue : rng.Next(5) == 0 ? long.MinValue : rng.Next(-shape[a] - 2, shape[a] + 3)).ToArray();
            var steps = axes.Select(_ => (long)(rng.Next(1, 4) * (rng.Next(2) == 0 ? 1 : -1))).ToArray();
            var y = (Tensor<float>)Run1("Slice", [x, Vec(starts), Vec(ends), Vec(axes.Select(a => (long)a).ToArray()), Vec(steps)]);
            var tables = shape.Select(d => Enumerable.Range(0, d).ToArray()).ToArray();
            for (int i = 0; i < axes.Length; i++) tables[axes[i]] = SliceOracle(shape[axes[i]], starts[i], ends[i], steps[i]);
            string info = $"shape {ShapeMath.Format(shape)} axes [{string.Join(",", axes)}] starts [{string.Join(",", starts)}] ends [{string.Join(",", ends)}] steps [{string.Join(",", steps)}]";
            Assert.True(tables.Select(t => t.Length).SequenceEqual(y.Shape), info + $" gave {ShapeMath.Format(y.Shape)}");
            for (int f = 0; f < y.Length; f++)
            {
                var idx = Unravel(f, y.Shape);
                Assert.True(x.At(idx.Select((v, d) => tables[d][v]).ToArray()) == y[f], info);
            }
        });

    [Fact]
    public void SplitThenConcatRoundTripsAndPiecesAreSlices() =>
        Gen.Select(Gen.Int[1, 5].Array[1, 3], Gen.Int).Sample((shape, seed) =>
        {
            var rng = new Random(seed);
            int axis = rng.Next(shape.Length);
            // Random non-negative sizes summing to the axis length (zeros allowed).
            int pieces = rng.Next(1, 4);
            var cuts = Enumerable.Range(0, pieces - 1).Select(_ => rng.Next(shape[axis] + 1)).Order().ToList();
            cuts.Insert(0, 0);
            cuts.Add(shape[axis]);
            var sizes = Enumerable.Range(0, pieces).Select(i => (long)(cuts[i + 1] - cuts[i])).ToArray();
            var x = Iota(shape);
            var parts = Run("Split", [x, Vec(sizes)], outputs: pieces, attributes: Attribute.Of("axis", (long)axis))
                .Cast<Core.Tensor>().ToArray();
            for (int i = 0; i < pieces; i++)
            {
                var slice = Run1("Slice", [x, Vec(cuts[i]), Vec(cuts[i + 1]), Vec(axis)]);
                Assert.Equal(slice.Shape, parts[i].Shape);
                Assert.Equal(((Tensor<float>)slice).ToArray(), ((Tensor<float>)parts[i]).ToArray());
            }
            var joined = Run1("Concat", parts, attributes: Attribute.Of("axis", (long)axis - shape.Length));
            Assert.Equal(shape, joined.Shape);
            Assert.Equal(x.ToArray(), ((Tensor<float>)joined).ToArray());
        });

    [Fact]
    public void InferredShapesMatchEvaluatedShapes() =>
        Gen.Select(Shapes, Gen.Int).Sample((shape, seed) =>
        {
            var rng = new Random(seed);
            var x = Iota(shape);
            var perm = RandomPerm(rng, shape.Length).Select(p => (long)p).ToArray();
            var repeats = shape.Select(_ => (long)rng.Next(0, 3)).ToArray();
            var pads = Enumerable.Range(0, 2 * shape.Length).Select(_ => (long)rng.Next(0, 3)).ToArray();
            var crops = Enumerable.Range(0, 2 * shape.Length).Select(_ => (long)rng.Next(-1, 3)).ToArray();
            (string Op, Core.Tensor[] Inputs, Attribute[] Attrs)[] cases =
            [
                ("Transpose", [x], [Attribute.Of("perm", perm)]),
                ("Tile", [x, Vec(repeats)], []),
                ("Pad", [x, Vec(pads)], [Attribute.Of("mode", "edge")]),
                ("Pad", [x, Vec(crops)], []),
                ("Expand", [x, Vec([2, .. shape.Select(_ => 1L)])], []),
                ("Flatten", [x], [Attribute.Of("axis", (long)rng.Next(shape.Length + 1))]),
                ("Unsqueeze", [x, Vec(0, -1)], []),
                ("Shape", [x], [Attribute.Of("start", 1L)]),
            ];
            foreach (var (op, inputs, attrs) in cases)
            {
                if (op == "Pad" && shape.Select((d, i) => d + crops[i] + crops[shape.Length + i]).Any(d => d < 0)) continue;
                var actual = Run1(op, inputs, attributes: attrs);
                var inferred = InferTypes(op, inputs, i => i > 0, attributes: attrs)[0];
                Assert.Equal(actual.Type, inferred);
            }
        });
}
