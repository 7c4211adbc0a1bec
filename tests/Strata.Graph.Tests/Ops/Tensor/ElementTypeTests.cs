using Strata.Core;
using static Strata.Graph.Tests.TensorOps.TensorOpRunner;

namespace Strata.Graph.Tests.TensorOps;

/// <summary>Data movement is type-agnostic: the same ops work on strings, bools, bfloat16 and sub-byte types.</summary>
public class ElementTypeTests
{
    [Fact]
    public void TransposeStrings()
    {
        var x = new Tensor<string>(new[] { "a", "b", "c", "d", "e", "f" }, [2, 3]);
        var y = (Tensor<string>)Run1("Transpose", [x]);
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal(["a", "d", "b", "e", "c", "f"], y.ToArray());
    }

    [Fact]
    public void PadStringsFillsEmptyStrings()
    {
        var x = new Tensor<string>(new[] { "a" }, [1]);
        Assert.Equal(["", "a", ""], ((Tensor<string>)Run1("Pad", [x, Vec(1, 1)])).ToArray());
        Assert.Equal(["z", "a", "z"], ((Tensor<string>)Run1("Pad", [x, Vec(1, 1), Tensor<string>.Scalar("z")])).ToArray());
    }

    [Fact]
    public void GatherAndConcatBoolAndBFloat16()
    {
        var b = new Tensor<bool>(new[] { true, false, true }, [3]);
        Assert.Equal([true, true, false], ((Tensor<bool>)Run1("Gather", [b, Vec(0, 2, 1)])).ToArray());
        var h = new Tensor<BFloat16>(new[] { (BFloat16)1f, (BFloat16)2f }, [2]);
        var joined = (Tensor<BFloat16>)Run1("Concat", [h, h], attributes: Attribute.Of("axis", 0L));
        Assert.Equal([1f, 2f, 1f, 2f], joined.ToArray().Select(v => (float)v));
    }

    [Fact]
    public void TileAndSliceInt4()
    {
        var x = new Tensor<Int4>(new[] { new Int4(-8), new Int4(7) }, [2]);
        var t = (Tensor<Int4>)Run1("Tile", [x, Vec(2)]);
        Assert.Equal([-8, 7, -8, 7], t.ToArray().Select(v => (int)v.Value));
        var s = (Tensor<Int4>)Run1("Slice", [t, Vec(-1), Vec(long.MinValue), Vec(0), Vec(-2)]);
        Assert.Equal([7, 7], s.ToArray().Select(v => (int)v.Value));
    }

    [Fact]
    public void IdentityPassesSequencesThrough()
    {
        var seq = new TensorSequence(new TensorType(DataType.Float32, null), [F([1], 1)]);
        Assert.Same(seq, TensorOpRunner.Run("Identity", [seq])[0]);
    }

    [Fact]
    public void ScatterReductionOnBFloat16ComputesViaDouble()
    {
        var d = new Tensor<BFloat16>(new[] { (BFloat16)1f, (BFloat16)2f }, [2]);
        var u = new Tensor<BFloat16>(new[] { (BFloat16)3f }, [1]);
        var y = (Tensor<BFloat16>)Run1("ScatterElements", [d, Vec(1), u], attributes: Attribute.Of("reduction", "add"));
        Assert.Equal([1f, 5f], y.ToArray().Select(v => (float)v));
    }
}
