using Strata.Core;
using Strata.Tile;

namespace Strata.Block;

/// <summary>Recognises a computation that lowers to <c>dot</c>: <c>%c[...] = sum[k] mul(load X, load Y)</c> over floats,
/// where under the schedule every output axis with a block larger than 1 is read by exactly one of the two loads, at
/// most one such axis (M) by X and at most one (N) by Y, and the loads use no other reduction axis. Then X is an
/// [M, K] block, Y a [K, N] block, and their product is the output block (all its other dims have size 1). X is the
/// load whose axis comes first in the output, so the [M, N] result is in the output's element order.</summary>
internal sealed record ContractionMatch(Load X, Load Y, string? M, string? N, string K)
{
    public static ContractionMatch? Find(Computation c, TileSchedule s)
    {
        if (c.Reduce is not { Op: ReduceOp.Sum, Axes.Length: 1 } r) return null;
        if (c.Body is not Binary { Op: BinaryOp.Mul, A: Load a, B: Load b } || !ScalarSemantics.IsFloat(c.Body.Type)) return null;
        string k = r.Axes[0];
        var da = ExprAnalysis.AxesOf(a);
        var db = ExprAnalysis.AxesOf(b);
        if (!da.Concat(db).All(x => x == k || c.Indices.Contains(x))) return null;
        var big = c.Indices.Where(x => s.Block(x) > 1).ToArray();
        var ms = big.Where(x => da.Contains(x) && !db.Contains(x)).ToArray();
        var ns = big.Where(x => db.Contains(x) && !da.Contains(x)).ToArray();
        if (ms.Length > 1 || ns.Length > 1 || ms.Length + ns.Length != big.Length) return null;
        string? m = ms.FirstOrDefault(), n = ns.FirstOrDefault();
        // X supplies the output's earlier axis (rows of the product), Y the later one (columns).
        bool swap = m is not null && n is not null && c.Indices.IndexOf(m) > c.Indices.IndexOf(n);
        return swap ? new ContractionMatch(b, a, n, m, k) : new ContractionMatch(a, b, m, n, k);
    }
}
