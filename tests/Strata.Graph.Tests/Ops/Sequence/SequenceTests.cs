using CsCheck;
using Strata.Core;
using static Strata.Graph.Tests.Ops.ControlFlow.ControlFlowHarness;

namespace Strata.Graph.Tests.Ops.Sequence;

public class SequenceTests
{
    private static TensorSequence Seq(params Tensor[] items) => new(new TensorType(items.Length > 0 ? items[0].DataType : DataType.Int64, null), items);

    private static long[] Firsts(RuntimeValue? s) => ((TensorSequence)s!).Items.Select(t => ((Tensor<long>)t)[0]).ToArray();

    [Fact]
    public void ConstructInsertAtEraseLength()
    {
        var s = RunNode("SequenceConstruct", [S(1L), S(2L)])[0];
        Assert.Equal([1L, 2], Firsts(s));
        Assert.Equal([1L, 2, 3], Firsts(RunNode("SequenceInsert", [s, S(3L)])[0]));
        Assert.Equal([9L, 1, 2], Firsts(RunNode("SequenceInsert", [s, S(9L), S(0L)])[0]));
        Assert.Equal([1L, 9, 2], Firsts(RunNode("SequenceInsert", [s, S(9L), S(-1L)])[0]));
        Assert.Equal(2L, ((Tensor<long>)RunNode("SequenceAt", [s, S(-1L)])[0]!)[0]);
        Assert.Equal([1L], Firsts(RunNode("SequenceErase", [s])[0]));
        Assert.Equal([2L], Firsts(RunNode("SequenceErase", [s, S(0)])[0]));
        Assert.Equal(2L, ((Tensor<long>)Run("SequenceLength", s))[0]);
    }

    [Fact]
    public void PositionsOutOfRangeAreErrors()
    {
        var s = Seq(S(1L), S(2L));
        Assert.Equal(ErrorCode.IndexOutOfRange, Assert.Throws<StrataException>(() => RunNode("SequenceAt", [s, S(2L)])).Code);
        Assert.Equal(ErrorCode.IndexOutOfRange, Assert.Throws<StrataException>(() => RunNode("SequenceAt", [s, S(-3L)])).Code);
        Assert.Equal(ErrorCode.IndexOutOfRange, Assert.Throws<StrataException>(() => RunNode("SequenceInsert", [s, S(1L), S(3L)])).Code);
    }

    [Fact]
    public void InsertChecksTheElementType()
    {
        var s = Seq(S(1L));
        Assert.Equal(ErrorCode.TypeMismatch, Assert.Throws<StrataException>(() => RunNode("SequenceInsert", [s, S(1f)])).Code);
    }

    [Fact]
    public void EmptyHasTheDtype()
    {
        var s = (TensorSequence)RunNode("SequenceEmpty", [], attributes: [Attribute.Of("dtype", (long)DataType.Int32)])[0]!;
        Assert.Equal(0, s.Count);
        Assert.Equal(new TensorType(DataType.Int32, null), s.ElementType);
    }

    [Fact]
    public void SplitThenConcatGivesTheInputBack()
    {
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[0, 1], Gen.Int[1, 3]).Sample((rows, cols, axis, chunk) =>
        {
            var x = T(Enumerable.Range(0, rows * cols).Select(i => (float)i).ToArray(), rows, cols);
            var pieces = (TensorSequence)RunNode("SplitToSequence", [x, S((long)chunk)], attributes: [Attribute.Of("axis", (long)axis)])[0]!;
            int length = x.Shape[axis];
            Assert.Equal((length + chunk - 1) / chunk, pieces.Count);
            var back = (Tensor<float>)RunNode("ConcatFromSequence", [pieces], attributes: [Attribute.Of("axis", (long)axis)])[0]!;
            Assert.Equal(x.Shape, back.Shape);
            Assert.Equal(x.ToArray(), back.ToArray());
        }, iter: 40);
    }

    [Fact]
    public void SplitWithoutSizesGivesSingletonsAndKeepdimsDropsTheAxis()
    {
        var x = T([1f, 2, 3, 4, 5, 6], 2, 3);
        var kept = (TensorSequence)RunNode("SplitToSequence", [x], attributes: [Attribute.Of("axis", 1L)])[0]!;
        Assert.Equal(3, kept.Count);
        Assert.Equal([2, 1], ((Tensor)kept.Items[0]).Shape);
        var dropped = (TensorSequence)RunNode("SplitToSequence", [x], attributes: [Attribute.Of("axis", 1L), Attribute.Of("keepdims", 0L)])[0]!;
        Assert.Equal([2], ((Tensor)dropped.Items[0]).Shape);
        Assert.Equal([2f, 5f], ((Tensor<float>)dropped.Items[1]).ToArray());
    }

    [Fact]
    public void SplitSizesMustAddUp()
    {
        var x = T([1f, 2, 3], 3);
        var ok = (TensorSequence)RunNode("SplitToSequence", [x, T([1L, 2L], 2)])[0]!;
        Assert.Equal([2f, 3f], ((Tensor<float>)ok.Items[1]).ToArray());
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<StrataException>(() => RunNode("SplitToSequence", [x, T([1L, 1L], 2)])).Code);
    }

    [Fact]
    public void ConcatWithNewAxisStacks()
    {
        var s = Seq(T([1f, 2], 2), T([3f, 4], 2));
        var stacked = (Tensor<float>)RunNode("ConcatFromSequence", [s], attributes: [Attribute.Of("axis", -1L), Attribute.Of("new_axis", 1L)])[0]!;
        Assert.Equal([2, 2], stacked.Shape);
        Assert.Equal([1f, 3, 2, 4], stacked.ToArray());
    }

    [Fact]
    public void OptionalsHoldOrLackAValue()
    {
        var full = RunNode("Optional", [T([1f], 1)])[0];
        var empty = RunNode("Optional", [null], attributes: [new Attribute("type", AttributeKind.Type, Type(DataType.Float32, 1))])[0];
        Assert.True(((OptionalValue)full!).HasValue);
        Assert.False(((OptionalValue)empty!).HasValue);
        Assert.True(((Tensor<bool>)Run("OptionalHasElement", full))[0]);
        Assert.False(((Tensor<bool>)Run("OptionalHasElement", empty))[0]);
        Assert.False(((Tensor<bool>)RunNode("OptionalHasElement", [null])[0]!)[0]);
        Assert.True(((Tensor<bool>)Run("OptionalHasElement", T([1f], 1)))[0]);
        Assert.Equal([1f], ((Tensor<float>)Run("OptionalGetElement", full)).ToArray());
        Assert.Equal([2f], ((Tensor<float>)Run("OptionalGetElement", T([2f], 1))).ToArray());
        Assert.Equal(ErrorCode.EvaluationFailed, Assert.Throws<StrataException>(() => Run("OptionalGetElement", empty)).Code);
    }

    [Fact]
    public void InfersSequenceTypes()
    {
        var seq = new SequenceType(Type(DataType.Float32, 2));
        Assert.Equal(Type(DataType.Float32, 2), InferNode("SequenceAt", [seq, Type(DataType.Int64)])[0]);
        Assert.Equal(seq, InferNode("SequenceConstruct", [Type(DataType.Float32, 2), Type(DataType.Float32, 2)])[0]);
        Assert.Equal(new SequenceType(new TensorType(DataType.Float32, Shape.Of([Dim.Unknown]))),
            InferNode("SequenceConstruct", [Type(DataType.Float32, 2), Type(DataType.Float32, 3)])[0]);
        Assert.Equal(Type(DataType.Int64), InferNode("SequenceLength", [seq])[0]);
        Assert.Equal(Type(DataType.Float32, 2), InferNode("OptionalGetElement", [new OptionalType(Type(DataType.Float32, 2))])[0]);
    }
}
