using Strata.Block;
using Strata.Core;

namespace Strata.Machine.Lowering;

// B packed into micro-kernel panels: the columns of B in groups of one micro-tile's width, each group stored as its
// k rows back to back. A micro-tile then streams one contiguous block (k · width elements) instead of k row segments
// a row stride N apart (at N = 2048 the segments are 8 KiB apart: every k step another page and the same L1 sets).
internal sealed partial class KernelLowerer
{
    /// <summary>Width (elements) of the panels each materialised B operand was packed in; absent: row-major.</summary>
    private readonly Dictionary<string, int> _panelWidth = new(StringComparer.Ordinal);

    /// <summary>The dot whose micro-kernel will read <paramref name="v"/> as its B operand, when that dot is its only
    /// consumer and the micro-kernel takes it (same element types, k &gt; 0): then B can be packed in panels. Null
    /// when anything else reads it (the generic dot and other ops address it row-major).</summary>
    private DotOp? PanelDot(BlockValue v)
    {
        if (!_options.MicroKernel || v.Type.Shape.Length != 2 || _plan.SoleBOf(v) is not { } d) return null;
        var t = d.Result.Type.Element;
        if (d.A.Type.Element != t || d.B.Type.Element != t || d.A.Type.Shape[1] == 0) return null;
        if (_plan.Mode(d.A) == ValueMode.Register) return null;
        return d;
    }

    /// <summary>The micro-tile's width in elements for a dot's element type: a B panel's width.</summary>
    private int PanelWidthOf(DotOp d)
    {
        int lanes = _options.Vectorize ? _target.Lanes(d.Result.Type.Element) : 1;
        return MicroTile().Vectors * lanes;
    }

    /// <summary>Packs <paramref name="v"/> ([K, N]) into panels: full panels of <c>w</c> columns at j0·K, element (p, j0 + c)
    /// at j0·K + p·w + c; the last N mod w columns as one narrower panel of the same form. Same size as row-major.</summary>
    private void MaterialisePanels(BlockValue v, DotOp d)
    {
        int k = v.Type.Shape[0], n = v.Type.Shape[1], w = PanelWidthOf(d);
        var t = v.Type.Element;
        var buffer = _e.NewBuffer(v.Name, t, v.Type.Size);
        var op = _plan.Def(v)!;
        long full = n / w * w;
        void Panel(Reg j0, int width)
        {
            Nest([k, width], t, idx =>
            {
                var value = ElementOf(op, v, [idx[0], AddAffine(idx[1], LaneValue.Uniform(j0))]);
                var address = AddAffine(AddAffine(LaneValue.Uniform(_e.Mul(j0, k)), MulAffine(idx[0], width)), idx[1]);
                Write(buffer.Name, t, address, value, null);
            }, "pk");
        }
        if (full > 0) _e.Loop("pj", _e.I64(0), _e.I64(full), w, j0 => Panel(j0, w));
        if (full < n) Panel(_e.I64(full), (int)(n - full));
        _buffers[v.Name] = buffer;
        _panelWidth[v.Name] = w;
    }
}
