using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Runtime.Intrinsics.X86;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Two full stride-2 loads of one statement list whose indices differ by one element (a stride-2 window's
/// taps kw and kw + 1: <c>x[2·ow + kw]</c>, <c>x[2·ow + kw + 1]</c>) read the even and the odd lanes of one contiguous
/// pair of vectors p[0..2L): the first of them loads the pair once and takes its half by one permute, the second takes
/// the other half — two loads for both instead of four (each alone loads p[0..L) and p[L−1..2L−1), so that it reads
/// exactly the elements it needs). The pair reads [lower, lower + 2L), the union of what the two loads read, so it is
/// in bounds when both are proven to be: only unchecked loads pair. Index equality is proven on the list's i64
/// arithmetic: each index expanded through the adds, subtracts and moves that define it (at that point of the list)
/// into a sum of leaves (a register with the definition that reaches it) and a constant; the two sums must differ in the
/// constant alone, with nothing between the loads that loops, branches or stores to the loaded memory. Pairs are taken
/// greedily in list order, so a 3-tap row pairs taps 0 and 1 and loads tap 2 alone (4 loads + 3 permutes per row instead
/// of 6 + 3). 512-bit vectors of 4- or 8-byte lanes on AVX-512F (where a lone stride-2 load is that two-load form).</summary>
internal sealed partial class KernelEmitter
{
    /// <summary>How many stride-2 loads were emitted as half of a shared pair (for tests and reports).</summary>
    private int _pairedStride2Loads;

    private sealed class Stride2Pair(int first, int second, bool firstIsLower)
    {
        public int First { get; } = first;
        public int Second { get; } = second;
        public bool FirstIsLower { get; } = firstIsLower;
        public LocalBuilder? A, B;
    }

    /// <summary>The pairs of <paramref name="body"/>, keyed by both positions.</summary>
    private Dictionary<int, Stride2Pair> FindStride2Pairs(ImmutableArray<MStmt> body)
    {
        var pairs = new Dictionary<int, Stride2Pair>();
        if (!Avx512F.IsSupported) return pairs;
        var candidates = new List<int>();
        for (int i = 0; i < body.Length; i++)
            if (body[i] is LoadStmt l && Pairable(l)) candidates.Add(i);
        if (candidates.Count < 2) return pairs;
        var forms = candidates.ToDictionary(i => i, i => Linear(body, ((LoadStmt)body[i]).Index, i));
        for (int a = 0; a < candidates.Count; a++)
        {
            int i = candidates[a];
            if (pairs.ContainsKey(i) || forms[i] is not { } fi) continue;
            var li = (LoadStmt)body[i];
            for (int b = a + 1; b < candidates.Count; b++)
            {
                int j = candidates[b];
                if (!Between(body, candidates[b - 1], j, li.Memory)) break;
                if (pairs.ContainsKey(j) || forms[j] is not { } fj) continue;
                var lj = (LoadStmt)body[j];
                if (lj.Memory != li.Memory || lj.Target.Type != li.Target.Type) continue;
                long? d = fj.Differs(fi);
                if (d is not (1 or -1)) continue;
                var pair = new Stride2Pair(i, j, d == 1);
                pairs[i] = pair;
                pairs[j] = pair;
                break;
            }
        }
        return pairs;
    }

    /// <summary>A full (no from, count or mask) unchecked stride-2 load of a 512-bit vector of 4- or 8-byte numbers.</summary>
    private bool Pairable(LoadStmt l) =>
        l.Stride == 2 && l.From is null && l.Count is null && l.Mask is null && l.Target.Type.IsVector
        && l.Target.Type.Element is DataType.Float32 or DataType.Int32 or DataType.UInt32 or DataType.Float64 or DataType.Int64 or DataType.UInt64
        && l.Target.Type.Lanes * LaneBytes(l.Target.Type) == 64 && !_checkAccess(l);

    /// <summary>True when the statements after <paramref name="from"/> up to <paramref name="to"/> (exclusive) are
    /// straight-line and store nothing to <paramref name="memory"/>.</summary>
    private static bool Between(ImmutableArray<MStmt> body, int from, int to, string memory)
    {
        for (int k = from + 1; k < to; k++)
            if (body[k] is LoopStmt or IfStmt || body[k] is StoreStmt st && st.Memory == memory) return false;
        return true;
    }

    /// <summary>An i64 sum of leaves (a register and the position of the definition that reaches it, −1 for one from
    /// outside the list) and a constant.</summary>
    private sealed record LinearIndex(ImmutableDictionary<(string, int), long> Terms, long Constant)
    {
        public static LinearIndex Of(long c) => new(ImmutableDictionary<(string, int), long>.Empty, c);

        public LinearIndex Plus(LinearIndex o, long sign)
        {
            var t = Terms;
            foreach (var (k, v) in o.Terms)
            {
                long s = t.GetValueOrDefault(k) + sign * v;
                t = s == 0 ? t.Remove(k) : t.SetItem(k, s);
            }
            return new(t, Constant + sign * o.Constant);
        }

        /// <summary>This minus <paramref name="o"/> when that is a constant, else null.</summary>
        public long? Differs(LinearIndex o) =>
            Terms.Count == o.Terms.Count && Terms.All(kv => o.Terms.TryGetValue(kv.Key, out var v) && v == kv.Value)
                ? Constant - o.Constant : null;
    }

    /// <summary><paramref name="r"/>'s value at position <paramref name="at"/> of <paramref name="body"/>, expanded (up to
    /// a depth, so no list of adds grows it without bound).</summary>
    private LinearIndex? Linear(ImmutableArray<MStmt> body, Reg r, int at, int depth = 0)
    {
        if (r.Type != MType.I64) return null;
        if (ConstantOf(r) is { } c) return LinearIndex.Of(c.I);
        int def = -1;
        for (int k = at - 1; k >= 0 && def < 0; k--)
            if (Assigns(body[k], r.Name)) def = k;
        if (depth < 16 && def >= 0)
            switch (body[def])
            {
                case MoveStmt m: return Linear(body, m.Source, def, depth + 1);
                case BinaryStmt { Op: BinaryOp.Add or BinaryOp.Sub } b when Linear(body, b.A, def, depth + 1) is { } x && Linear(body, b.B, def, depth + 1) is { } y:
                    return x.Plus(y, b.Op == BinaryOp.Add ? 1 : -1);
            }
        return new(ImmutableDictionary<(string, int), long>.Empty.Add((r.Name, def), 1), 0);
    }

    private static bool Assigns(MStmt s, string name) => s switch
    {
        LoopStmt l => l.Var.Name == name || l.Body.Any(x => Assigns(x, name)),
        IfStmt i => i.Then.Any(x => Assigns(x, name)) || i.Else.Any(x => Assigns(x, name)),
        _ => s.Dest?.Name == name,
    };

    /// <summary>The first load of a pair: loads the pair from the lower index (this load's, or one element before it)
    /// and takes this load's half.</summary>
    private void EmitStride2PairFirst(LoadStmt l, Stride2Pair pair)
    {
        var (ptr, el, _) = Memory(l.Memory, l.Index);
        var t = l.Target.Type;
        var vector = ClrTypes.Of(t, _target);
        var p = _il.DeclareLocal(typeof(nint));
        PushAddress(ptr, el, l.Index);
        if (!pair.FirstIsLower)
        {
            _il.Emit(OpCodes.Ldc_I4, ClrTypes.Size(el));
            _il.Emit(OpCodes.Conv_I);
            _il.Emit(OpCodes.Sub);
        }
        _il.Emit(OpCodes.Stloc, p);
        pair.A = _il.DeclareLocal(vector);
        pair.B = _il.DeclareLocal(vector);
        _il.Emit(OpCodes.Ldloc, p);
        VCall(t, "Load", "P");
        _il.Emit(OpCodes.Stloc, pair.A);
        _il.Emit(OpCodes.Ldloc, p);
        _il.Emit(OpCodes.Ldc_I4, 64);
        _il.Emit(OpCodes.Add);
        VCall(t, "Load", "P");
        _il.Emit(OpCodes.Stloc, pair.B);
        EmitStride2Half(l, pair, pair.FirstIsLower);
    }

    /// <summary>The even (<paramref name="even"/>) or odd lanes of the pair into <paramref name="l"/>'s target.</summary>
    private void EmitStride2Half(LoadStmt l, Stride2Pair pair, bool even)
    {
        var t = l.Target.Type;
        _il.Emit(OpCodes.Ldloc, pair.A!);
        _il.Emit(OpCodes.Ldloc, pair.B!);
        string name = $"Stride2{(even ? "Even" : "Odd")}512B{LaneBytes(t)}";
        var open = typeof(MaskedLanes).GetMethod(name) ?? throw Error($"MaskedLanes.{name} is missing");
        _il.Emit(OpCodes.Call, open.MakeGenericMethod(ClrTypes.Element(t.Element)));
        Store(l.Target);
        _pairedStride2Loads++;
    }
}
