using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// dot A[M,K]·B[K,N] + acc: the operands are packed (materialised) where they are defined; the result gets its own buffer.
internal sealed partial class KernelLowerer
{
    private void LowerDot(DotOp d)
    {
        var v = d.Result;
        var t = v.Type.Element;
        int m = d.A.Type.Shape[0], k = d.A.Type.Shape[1], n = d.B.Type.Shape[1];
        bool inPlace = _plan.InPlace(d);
        var buffer = inPlace ? _buffers[d.Accumulator.Name] : _e.NewBuffer(v.Name, t, v.Type.Size);
        if (!(_options.MicroKernel && TryMicroKernel(d, buffer, m, k, n, inPlace)))
        {
            if (_epilogue is { } e && ReferenceEquals(e.Dot, d)) throw new NotVectorisableException("the epilogue needs the micro-kernel");
            GenericDot(d, buffer, m, k, n);
        }
        _buffers[v.Name] = buffer;
    }

    /// <summary>Exactly the Block interpreter's arithmetic: per element s = acc; for p: s = s + a·b (a mul and an add,
    /// each rounded to the accumulator type, operands cast to it first), vectorised along N where possible.</summary>
    private void GenericDot(DotOp d, LocalBuffer buffer, int m, int k, int n)
    {
        var t = d.Result.Type.Element;
        var strides = RowMajor(d.Result.Type.Shape);
        Nest(d.Result.Type.Shape, t, idx =>
        {
            var index = (LaneValue[])idx.Clone();
            var type = TypeOf(t, _lanes);
            var acc = Element(d.Accumulator, index);
            var s = _e.NewReg(d.Result.Name + "_s", type);
            _e.Emit(new MoveStmt(s, _lanes > 1 ? VectorOf(acc, t) : acc.Reg));
            _e.Loop("p", _e.I64(0), _e.I64(k), 1, p =>
            {
                var a = CastValue(Element(d.A, [index[0], LaneValue.Uniform(p)]), d.A.Type.Element, t, "a");
                var b = CastValue(Element(d.B, [LaneValue.Uniform(p), index[1]]), d.B.Type.Element, t, "b");
                var prod = BinaryValue(BinaryOp.Mul, t, a, b, "ab");
                var pr = _lanes > 1 ? VectorOf(prod, t) : prod.Reg;
                _e.Emit(new BinaryStmt(s, BinaryOp.Add, s, pr));
            });
            Write(buffer.Name, t, Address(index, strides), _lanes > 1 ? LaneValue.Vector(s) : LaneValue.Uniform(s), null);
        }, "d");
    }
}
