using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// for with iter args: a LoopStmt; carried scalars in registers, carried blocks in buffers (double-buffered yields).
internal sealed partial class KernelLowerer
{
    private void LowerFor(ForOp f)
    {
        var lo = _e.Cast(Element(f.Lower, []).Reg, MType.I64);
        var hi = _e.Cast(Element(f.Upper, []).Reg, MType.I64);
        int n = f.IterArgs.Length;
        var iterBuffers = new LocalBuffer?[n];
        var iterRegs = new Reg?[n];
        for (int j = 0; j < n; j++)
        {
            var a = f.IterArgs[j];
            if (a.Type.IsScalar)
            {
                var r = _e.NewReg(a.Name, MType.Scalar(a.Type.Element));
                _e.Emit(new MoveStmt(r, Element(f.Inits[j], []).Reg));
                iterRegs[j] = r;
                _regs[a.Name] = r;
            }
            else
            {
                var b = _e.NewBuffer(a.Name, a.Type.Element, a.Type.Size);
                Copy(b, f.Inits[j]);
                iterBuffers[j] = b;
                _buffers[a.Name] = b;
            }
        }
        var next = new LocalBuffer?[n];
        _e.Loop(f.InductionVar.Name, lo, hi, f.Step, iv =>
        {
            _regs[f.InductionVar.Name] = _e.Cast(iv, MType.Scalar(f.InductionVar.Type.Element));
            LowerOps(f.Body);
            // Every yield is read completely before any iter arg is overwritten.
            var sources = new string?[n];
            var temps = new Reg?[n];
            for (int j = 0; j < n; j++)
            {
                var y = f.Yields[j];
                if (iterRegs[j] is { } r)
                {
                    var tmp = _e.NewReg(f.IterArgs[j].Name + "_next", r.Type);
                    _e.Emit(new MoveStmt(tmp, Element(y, []).Reg));
                    temps[j] = tmp;
                    continue;
                }
                if (y.Name == f.IterArgs[j].Name) continue;
                if (_buffers.TryGetValue(y.Name, out var same) && same == iterBuffers[j]) continue; // computed in place
                bool ownBuffer = _plan.Mode(y) == ValueMode.Materialised && _buffers.TryGetValue(y.Name, out var yb)
                    && !iterBuffers.Any(ib => ib is not null && ib.Name == yb.Name);
                if (ownBuffer) { sources[j] = _buffers[y.Name].Name; continue; }
                next[j] ??= _e.NewBuffer(f.IterArgs[j].Name + "_next", y.Type.Element, y.Type.Size);
                Copy(next[j]!, y);
                sources[j] = next[j]!.Name;
            }
            for (int j = 0; j < n; j++)
            {
                if (temps[j] is { } tmp) _e.Emit(new MoveStmt(iterRegs[j]!, tmp));
                else if (sources[j] is { } src) CopyBuffer(iterBuffers[j]!, src, f.IterArgs[j].Type);
            }
        });
        for (int j = 0; j < n; j++)
        {
            var res = f.LoopResults[j];
            if (iterRegs[j] is { } r) _regs[res.Name] = r;
            else _buffers[res.Name] = iterBuffers[j]!;
        }
    }

    /// <summary>Writes every element of <paramref name="v"/> into <paramref name="target"/> (row-major in v's shape).</summary>
    private void Copy(LocalBuffer target, BlockValue v)
    {
        var strides = RowMajor(v.Type.Shape);
        Nest(v.Type.Shape, v.Type.Element, idx => Write(target.Name, v.Type.Element, Address(idx, strides), Element(v, idx), null), "cp");
    }

    private void CopyBuffer(LocalBuffer target, string source, BlockType type)
    {
        var strides = RowMajor(type.Shape);
        Nest(type.Shape, type.Element, idx =>
        {
            var a = Address(idx, strides);
            Write(target.Name, type.Element, a, Read(source, type.Element, a, null, null, "cp"), null);
        }, "cp");
    }
}
