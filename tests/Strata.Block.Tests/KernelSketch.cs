using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block.Tests;

/// <summary>A tiny helper for building Block kernels by hand in tests: each method appends one op and returns its
/// result, with the result type computed the obvious way (numpy broadcasting, comparison → bool).</summary>
public sealed class KernelSketch
{
    public static readonly DataType Index = DataType.Int64;

    public List<BlockOp> Ops { get; } = [];

    public static BlockType Idx(params int[] shape) => BlockType.Of(Index, shape);
    public static BlockType F32(params int[] shape) => BlockType.Of(DataType.Float32, shape);

    private BlockValue Add(BlockOp op, BlockValue result) { Ops.Add(op); return result; }

    public BlockValue ProgramId(string name, int axis)
    {
        var v = new BlockValue(name, BlockType.Scalar(Index));
        return Add(new ProgramIdOp(v, axis), v);
    }

    public BlockValue Const(string name, long value) => Const(name, Scalar.Int(value), BlockType.Scalar(Index));

    public BlockValue Const(string name, Scalar value, BlockType type)
    {
        var v = new BlockValue(name, type);
        return Add(new ConstantOp(v, value), v);
    }

    public BlockValue Arange(string name, BlockValue start, int length)
    {
        var v = new BlockValue(name, Idx(length));
        return Add(new ArangeOp(v, start, length), v);
    }

    public BlockValue Reshape(string name, BlockValue x, params int[] shape)
    {
        var v = new BlockValue(name, BlockType.Of(x.Type.Element, shape));
        return Add(new ReshapeOp(v, x), v);
    }

    public BlockValue Broadcast(string name, BlockValue x, params int[] shape)
    {
        var v = new BlockValue(name, BlockType.Of(x.Type.Element, shape));
        return Add(new BroadcastOp(v, x), v);
    }

    public BlockValue Binary(string name, BinaryOp op, BlockValue a, BlockValue b)
    {
        var shape = ShapeMath.Broadcast(a.Type.Shape.ToArray(), b.Type.Shape.ToArray());
        var v = new BlockValue(name, BlockType.Of(ScalarSemantics.ResultType(op, a.Type.Element), shape));
        return Add(new BinaryBlockOp(v, op, a, b), v);
    }

    public BlockValue Unary(string name, UnaryOp op, BlockValue x)
    {
        var v = new BlockValue(name, new BlockType(ScalarSemantics.ResultType(op, x.Type.Element), x.Type.Shape));
        return Add(new UnaryBlockOp(v, op, x), v);
    }

    public BlockValue Select(string name, BlockValue c, BlockValue a, BlockValue b)
    {
        var shape = ShapeMath.Broadcast(c.Type.Shape.ToArray(), a.Type.Shape.ToArray(), b.Type.Shape.ToArray());
        var v = new BlockValue(name, BlockType.Of(a.Type.Element, shape));
        return Add(new SelectBlockOp(v, c, a, b), v);
    }

    public BlockValue Cast(string name, BlockValue x, DataType to)
    {
        var v = new BlockValue(name, new BlockType(to, x.Type.Shape));
        return Add(new CastBlockOp(v, x), v);
    }

    public BlockValue Load(string name, BlockParam p, BlockValue[] indices, BlockValue? mask = null, Scalar? other = null)
    {
        var shape = ShapeMath.Broadcast([.. indices.Select(i => i.Type.Shape.ToArray())]);
        if (mask is not null) shape = ShapeMath.Broadcast(shape, mask.Type.Shape.ToArray());
        var v = new BlockValue(name, BlockType.Of(p.Element, shape));
        return Add(new LoadOp(v, p.Name, [.. indices], mask, other), v);
    }

    public void Store(BlockParam p, BlockValue[] indices, BlockValue value, BlockValue? mask = null) =>
        Ops.Add(new StoreOp(p.Name, [.. indices], value, mask));

    public BlockValue Dot(string name, BlockValue a, BlockValue b, BlockValue acc)
    {
        var v = new BlockValue(name, acc.Type);
        return Add(new DotOp(v, a, b, acc), v);
    }

    public BlockValue Reduce(string name, ReduceOp op, BlockValue x, int axis)
    {
        bool arg = op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
        var v = new BlockValue(name, new BlockType(arg ? Index : x.Type.Element, x.Type.Shape.RemoveAt(axis)));
        return Add(new ReduceBlockOp(v, op, x, axis), v);
    }

    /// <summary>A loop with one carried value; <paramref name="body"/> gets (sketch, induction var, iter arg) and returns the yield.</summary>
    public BlockValue For(string result, string iv, BlockValue lower, BlockValue upper, long step, string iterArg, BlockValue init,
        Func<KernelSketch, BlockValue, BlockValue, BlockValue> body)
    {
        var inner = new KernelSketch();
        var k = new BlockValue(iv, BlockType.Scalar(Index));
        var a = new BlockValue(iterArg, init.Type);
        var y = body(inner, k, a);
        var r = new BlockValue(result, init.Type);
        Ops.Add(new ForOp([r], k, lower, upper, step, [a], [init], [.. inner.Ops], [y]));
        return r;
    }

    public BlockKernel Build(string name, IEnumerable<BlockParam> ps, params long[] grid) => new(name, [.. ps], [.. grid], [.. Ops]);

    public static BlockParam Param(string name, DataType t, ParamRole role, params long[] shape) => new(name, t, [.. shape], role);

    public static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
