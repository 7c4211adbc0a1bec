using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

// The register-blocked dot: C[M,N] = acc + A[M,K]·B[K,N] over packed (row-major, contiguous) A and B.
internal sealed partial class KernelLowerer
{
    /// <summary>Rows × vectors of accumulators per micro-tile: what fits the target's vector registers with room for
    /// the B vectors and the broadcast A value (avx2: 12 + 2 + 1 of 16; avx512: 24 + 4 + 1 of 32; scalar: 16 registers).</summary>
    private (int Rows, int Vectors) MicroTile() => _target.Isa switch
    {
        Isa.Avx512 => (6, 4),
        Isa.Avx2 => (6, 2),
        Isa.V128 => (6, 2),
        _ => (4, 4),
    };

    /// <summary>C starts as a copy of the accumulator; each MR×(NR·lanes) tile of C lives in registers for the whole
    /// k loop (NR vector loads of a B row, MR broadcasts of A, MR·NR fmas — or mul+add without FMA and for integers),
    /// then is stored back. M and N tails use smaller tiles, the last vector of a row count-masked. The order of
    /// accumulation per element is the Block interpreter's (acc, then k = 0, 1, …); FMA rounds a·b+c once where the
    /// interpreter rounds twice, so float results may differ in the last bit per step (within any tolerance that
    /// allows a different accumulation order).</summary>
    private bool TryMicroKernel(DotOp d, LocalBuffer c, int m, int k, int n, bool inPlace)
    {
        var t = d.Result.Type.Element;
        if (d.A.Type.Element != t || d.B.Type.Element != t || k == 0) return false;
        if (_plan.Mode(d.A) != ValueMode.Materialised || _plan.Mode(d.B) != ValueMode.Materialised) return false;
        int lanes = _options.Vectorize ? _target.Lanes(t) : 1;
        bool fma = _target.HasFma && ScalarSemantics.IsFloat(t) && lanes > 1;
        var a = _buffers[d.A.Name].Name;
        var b = _buffers[d.B.Name].Name;
        if (!inPlace) Copy(c, d.Accumulator);

        var (mr, nr) = MicroTile();
        mr = Math.Min(mr, m);
        int width = nr * lanes;
        int unroll = (int)Math.Clamp(_config.GetInt(KnobNames.Unroll, 1), 1, 8);
        long mFull = m / mr * mr, nFull = n / width * width;
        var saved = _lanes;
        _lanes = lanes;

        void Tile(Reg i0, int rows, Reg j0, int vectors, int lastLanes)
        {
            var type = TypeOf(t, lanes);
            var acc = new Reg[rows, vectors];
            var rowBase = new Reg[rows];
            var counts = new Reg?[vectors];
            if (lastLanes < lanes) counts[vectors - 1] = _e.I64(lastLanes);
            for (int r = 0; r < rows; r++)
            {
                rowBase[r] = _e.Add(i0, _e.I64(r));
                var cRow = _e.Add(_e.Mul(rowBase[r], n), j0);
                for (int v = 0; v < vectors; v++)
                {
                    acc[r, v] = _e.NewReg($"c{r}{v}", type);
                    var at = _e.Add(cRow, _e.I64(v * lanes));
                    _e.Emit(new LoadStmt(acc[r, v], c.Name, at, null, counts[v], counts[v] is null ? null : default(Scalar)));
                }
            }
            void Step(Reg p)
            {
                var bRow = _e.Add(_e.Mul(p, n), j0);
                var bv = new Reg[vectors];
                for (int v = 0; v < vectors; v++)
                    bv[v] = _e.Load(type, b, _e.Add(bRow, _e.I64(v * lanes)), null, counts[v], counts[v] is null ? null : default(Scalar), "b" + v);
                for (int r = 0; r < rows; r++)
                {
                    var s = _e.Load(MType.Scalar(t), a, _e.Add(_e.Mul(rowBase[r], k), p), hint: "a" + r);
                    var av = lanes > 1 ? _e.Broadcast(s, lanes, "a" + r) : s;
                    for (int v = 0; v < vectors; v++)
                    {
                        if (fma) _e.Emit(new FmaStmt(acc[r, v], av, bv[v], acc[r, v]));
                        else _e.Emit(new BinaryStmt(acc[r, v], BinaryOp.Add, acc[r, v], _e.Binary(BinaryOp.Mul, av, bv[v], "ab")));
                    }
                }
            }
            int u = Math.Min(unroll, k);
            long kFull = k / u * u;
            _e.Loop("p", _e.I64(0), _e.I64(kFull), u, p =>
            {
                for (int q = 0; q < u; q++) Step(_e.Add(p, _e.I64(q)));
            });
            if (kFull < k) _e.Loop("p", _e.I64(kFull), _e.I64(k), 1, Step);
            for (int r = 0; r < rows; r++)
            {
                var cRow = _e.Add(_e.Mul(rowBase[r], n), j0);
                for (int v = 0; v < vectors; v++)
                    _e.Emit(new StoreStmt(c.Name, _e.Add(cRow, _e.I64(v * lanes)), acc[r, v], null, counts[v]));
            }
        }

        void Columns(Reg i0, int rows)
        {
            _e.Loop("j", _e.I64(0), _e.I64(nFull), width, j0 => Tile(i0, rows, j0, nr, lanes));
            long rest = n - nFull;
            if (rest > 0) Tile(i0, rows, _e.I64(nFull), (int)((rest + lanes - 1) / lanes), (int)(rest - (rest - 1) / lanes * lanes));
        }

        _e.Loop("i", _e.I64(0), _e.I64(mFull), mr, i0 => Columns(i0, mr));
        if (mFull < m) Columns(_e.I64(mFull), (int)(m - mFull));
        _lanes = saved;
        return true;
    }
}
