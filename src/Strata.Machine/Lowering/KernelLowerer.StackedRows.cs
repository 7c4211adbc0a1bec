using System.Collections.Immutable;
using Strata.Block;

namespace Strata.Machine.Lowering;

// A dot's A block that stacks several [M, K] row blocks (a channels-as-columns convolution over several output rows,
// Tile DotShape.Rows): reshape [R, M, K] → [R·M, K]. Packed column-major ([K][R·M]) row block by row block, each
// element (r, m, k) at k·R·M + r·M + m: the lanes run along M (ow), where the input reads contiguous (padded) runs, so
// every row packs with the lane-range loads of a single-row block; the reshape itself has no vector form along M.
internal sealed partial class KernelLowerer
{
    private bool TryPackStackedRows(BlockValue v)
    {
        if (_plan.Def(v) is not ReshapeOp { Source: var src } || src.Type.Shape is not [var r, var m, var k]
            || v.Type.Shape is not [var rm, var kk] || rm != r * m || kk != k || r < 2 || m < 2
            || !_options.Vectorize || _target.Lanes(v.Type.Element) < 2 || !IsDotA(v))
            return false;
        var buffer = _e.NewBuffer(v.Name, v.Type.Element, v.Type.Size);
        ImmutableArray<int> shape = [r, k, m];
        bool vectorised = false;
        var code = _e.Collect(() => vectorised = Nest(shape, v.Type.Element, idx =>
        {
            var value = Element(src, [idx[0], idx[2], idx[1]]);
            var address = AddAffine(AddAffine(MulAffine(idx[1], rm), MulAffine(idx[0], m)), idx[2]);
            Write(buffer.Name, v.Type.Element, address, value, null);
        }, "pr"));
        if (!vectorised) return false;
        foreach (var s in code) _e.Emit(s);
        _columnMajor.Add(v.Name);
        _buffers[v.Name] = buffer;
        return true;
    }
}
