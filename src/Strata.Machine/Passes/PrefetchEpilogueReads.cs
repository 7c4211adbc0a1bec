using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>Prefetches, just before a micro-kernel's reduction loop, the vectors its epilogue reads from parameters
/// after the loop (a residual <c>Sum</c>'s other operand, a <c>Mul</c>'s gate): <c>prefetch %m[%i]</c> with the load's
/// index, computed by copies of the index arithmetic (fresh registers). Those reads come right after the last FMAs,
/// rows a plane apart (no hardware prefetcher follows them) and usually from L3 or memory; the out-of-order window
/// cannot reach them while the reduction runs, so a 1×1 conv + residual add spent half its time waiting on them
/// (resnet50's 64→256 convs at 56×56: 104 GFLOP/s with the add, 199 without). The reduction loop (one containing an
/// FMA) then hides their latency. Only vector loads at the top level of the same statement list (or of the then-branch
/// of an <c>if</c> right after the loop, on a condition known before it), from parameters larger than the target's L2
/// that the loop neither reads nor writes, whose index is a chain of scalar integer add/sub/mul/min/max, moves and constants
/// (nothing that can trap) over registers the loop and the statements up to the load do not assign and that are
/// assigned before the loop. A prefetch is a hint, so a wrong guess costs time, never results.
/// Where the epilogue reads no such parameter, its vector stores to parameters larger than the L2 are prefetched the
/// same way: a program's output tile is a short run (a row of ≤ 112 floats) in each of 64+ channel planes, so no
/// hardware prefetcher follows the stores either and each line's read-for-ownership misses while the stores wait.
/// Squeezenet's 3×3/2 stem (K = 27, 3.2 MB output; 1 thread CPU, 4 alternations with main under load) 0.595 → 0.548
/// ms, shufflenet's stem 0.238 → 0.20 ms, inception_v2's 2.35–2.77 → 2.24, densenet121's 1×1 convs 3–10% less;
/// resnet50's stem and 56×56 1×1 convs within noise. With a residual's loads prefetched too, resnet50's 56×56 conv +
/// add kernels (K = 64) were 5–15% slower, so an epilogue that reads gets only its loads prefetched.</summary>
public sealed class PrefetchEpilogueReads : IMachinePass
{
    /// <summary>At most this many prefetches before one loop: a micro-tile's rows × vectors (6 × 4 for a 6×64 tile);
    /// beyond that the misses outnumber the core's fill buffers anyway.</summary>
    public const int MaxPerLoop = 32;

    public string Name => nameof(PrefetchEpilogueReads);

    public MachineKernel Run(MachineKernel kernel)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(kernel.Body, names);
        names.UnionWith(kernel.Params.Select(p => p.Name));
        names.UnionWith(kernel.Buffers.Select(b => b.Name));
        var state = new State(kernel, names);
        var body = Rewrite(kernel.Body, state, new HashSet<string>(StringComparer.Ordinal));
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    private sealed class State(MachineKernel kernel, HashSet<string> names)
    {
        public MachineKernel Kernel { get; } = kernel;
        private int _next;

        public Reg Fresh(MType type)
        {
            string name;
            do name = $"pf{_next++}"; while (!names.Add(name));
            return new Reg(name, type);
        }
    }

    /// <summary>Rewrites one statement list; <paramref name="defined"/> holds the registers assigned on the way here.</summary>
    private static ImmutableArray<MStmt> Rewrite(ImmutableArray<MStmt> stmts, State state, HashSet<string> defined)
    {
        ImmutableArray<MStmt>.Builder? result = null;
        for (int k = 0; k < stmts.Length; k++)
        {
            var s = stmts[k];
            MStmt now = s;
            ImmutableArray<MStmt> before = [];
            switch (s)
            {
                case LoopStmt l:
                {
                    if (ContainsFma(l.Body)) before = Prefetches(stmts, k, state, defined);
                    var inner = new HashSet<string>(defined, StringComparer.Ordinal) { l.Var.Name };
                    var body = Rewrite(l.Body, state, inner);
                    if (body != l.Body) now = l with { Body = body };
                    defined.UnionWith(inner);
                    break;
                }
                case IfStmt i:
                {
                    var inThen = new HashSet<string>(defined, StringComparer.Ordinal);
                    var inElse = new HashSet<string>(defined, StringComparer.Ordinal);
                    var then = Rewrite(i.Then, state, inThen);
                    var @else = Rewrite(i.Else, state, inElse);
                    if (then != i.Then || @else != i.Else) now = i with { Then = then, Else = @else };
                    inThen.IntersectWith(inElse);
                    defined.UnionWith(inThen);
                    break;
                }
                default:
                    if (s.Dest is { } d) defined.Add(d.Name);
                    break;
            }
            if (ReferenceEquals(now, s) && before.IsEmpty && result is null) continue;
            if (result is null)
            {
                result = ImmutableArray.CreateBuilder<MStmt>(stmts.Length + before.Length);
                for (int j = 0; j < k; j++) result.Add(stmts[j]);
            }
            result.AddRange(before);
            result.Add(now);
        }
        return result is null ? stmts : result.ToImmutable();
    }

    /// <summary>The index copies and prefetches to put before the loop at <paramref name="at"/>: for the loads after
    /// it, and for those in the then-branch of an <c>if</c> right after it (a K-split dot's epilogue runs on the last K
    /// block: the prefetches then sit in an <c>if</c> on the same condition).</summary>
    private static ImmutableArray<MStmt> Prefetches(ImmutableArray<MStmt> stmts, int at, State state, HashSet<string> defined)
    {
        var loop = (LoopStmt)stmts[at];
        var inLoop = new HashSet<string>(StringComparer.Ordinal) { loop.Var.Name };
        Collect([loop], inLoop, namesOnly: false);
        var touched = new HashSet<string>(StringComparer.Ordinal);
        Memories(loop.Body, touched);
        var outer = new Frame(stmts, at, null);
        var result = ImmutableArray.CreateBuilder<MStmt>();
        // Stores only where the epilogue reads nothing large: with a residual's loads in flight as well, resnet50's
        // 56×56 1×1 conv + add kernels (K = 64) measured 5–15% slower; without such loads the stores' lines gain (below).
        int count = Pass(stores: false);
        if (count == 0) count = Pass(stores: true);
        return count == 0 ? [] : result.ToImmutable();

        // The loads (or stores) after the loop, and those in the then-branch of an if right after it.
        int Pass(bool stores)
        {
            var scan = new Scan(state, inLoop, defined, touched);
            scan.Loads(outer, result, stores);
            int found = scan.Count;
            for (int q = at + 1; q < stmts.Length; q++)
            {
                if (stmts[q] is IfStmt i)
                {
                    // The condition must hold the same value before the loop as at the if. Its own scan: index copies
                    // made inside the if are not visible after it.
                    if (scan.Leaf(outer, q, i.Condition) is null) break;
                    var inner = ImmutableArray.CreateBuilder<MStmt>();
                    var branch = new Scan(state, inLoop, defined, touched, MaxPerLoop - scan.Count);
                    branch.Loads(new Frame(i.Then, -1, (outer, q)), inner, stores);
                    if (branch.Count > 0) result.Add(new IfStmt(i.Condition, inner.ToImmutable(), []));
                    found += branch.Count;
                    break;
                }
                if (stmts[q] is LoopStmt) break;
            }
            return found;
        }
    }

    /// <summary>A statement list scanned from after <paramref name="From"/>; its registers' values before the loop come
    /// from <paramref name="Outer"/> (the enclosing list, at the enclosing statement's position) when it has one.</summary>
    private sealed record Frame(ImmutableArray<MStmt> Stmts, int From, (Frame Frame, int At)? Outer);

    private sealed class Scan(State state, HashSet<string> inLoop, HashSet<string> defined, HashSet<string> touched, int limit = MaxPerLoop)
    {
        private readonly Dictionary<(Frame, int), Reg> _copies = [];
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        /// <summary>Prefetches for the vector parameter loads (or, with <paramref name="stores"/>, stores) at the top of
        /// <paramref name="frame"/>, up to its first loop or if. Loads are scanned first: a load miss stalls the epilogue,
        /// a store miss waits in the store queue, so stores take what is left of the budget.</summary>
        public void Loads(Frame frame, ImmutableArray<MStmt>.Builder result, bool stores = false)
        {
            for (int q = frame.From + 1; q < frame.Stmts.Length && Count < limit; q++)
            {
                if (frame.Stmts[q] is LoopStmt or IfStmt) break;
                var (memory, at) = frame.Stmts[q] switch
                {
                    LoadStmt { Target.Type.IsVector: true } l when !stores => (l.Memory, l.Index),
                    StoreStmt { Value.Type.IsVector: true } st when stores => (st.Memory, st.Index),
                    _ => (null, null),
                };
                if (memory is null || at is null || state.Kernel.Param(memory) is not { } param
                    || !OutgrowsL2(param, state.Kernel.Target) || touched.Contains(memory))
                    continue;
                var chain = ImmutableArray.CreateBuilder<MStmt>();
                if (Copy(frame, q, at, chain) is not { } index) continue;
                result.AddRange(chain);
                if (!_done.Add(memory + "[" + index.Name)) continue;
                result.Add(new PrefetchStmt(memory, index));
                Count++;
            }
        }

        /// <summary><paramref name="r"/> itself when no statement between the loop and <paramref name="q"/> assigns it
        /// (nor the loop) and it is assigned before the loop; null otherwise.</summary>
        public Reg? Leaf(Frame frame, int q, Reg r)
        {
            for (var (f, at) = (frame, q); ;)
            {
                for (int p = at - 1; p > f.From; p--)
                    if (f.Stmts[p] is LoopStmt or IfStmt || f.Stmts[p].Dest?.Name == r.Name) return null;
                if (f.Outer is not { } o) break;
                (f, at) = o;
            }
            return inLoop.Contains(r.Name) || !defined.Contains(r.Name) ? null : r;
        }

        /// <summary>A register holding, before the loop, the value <paramref name="r"/> has at statement <paramref name="q"/>
        /// of <paramref name="frame"/>; null when that value is not computable there. New copies go to <paramref name="chain"/>.</summary>
        private Reg? Copy(Frame frame, int q, Reg r, ImmutableArray<MStmt>.Builder chain)
        {
            if (r.Type.IsVector || !IsInteger(r.Type.Element)) return null;
            for (int p = q - 1; p > frame.From; p--)
            {
                var s = frame.Stmts[p];
                if (s is LoopStmt or IfStmt) return null;
                if (s.Dest is not { } d || d.Name != r.Name) continue;
                if (_copies.TryGetValue((frame, p), out var known)) return known;
                MStmt? copy = null;
                var target = state.Fresh(d.Type);
                switch (s)
                {
                    case ConstStmt c when !d.Type.IsVector:
                        copy = c with { Target = target };
                        break;
                    case MoveStmt m when Copy(frame, p, m.Source, chain) is { } src:
                        copy = new MoveStmt(target, src);
                        break;
                    case BinaryStmt b when b.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Min or BinaryOp.Max
                        && Copy(frame, p, b.A, chain) is { } a
                        && Copy(frame, p, b.B, chain) is { } bb:
                        copy = new BinaryStmt(target, b.Op, a, bb);
                        break;
                }
                if (copy is null) return null;
                chain.Add(copy);
                _copies[(frame, p)] = target;
                return target;
            }
            // Not assigned in this list before the use: look in the enclosing one, before the statement holding it.
            if (frame.Outer is { } o) return Copy(o.Frame, o.At, r, chain);
            return inLoop.Contains(r.Name) || !defined.Contains(r.Name) ? null : r;
        }
    }

    private static bool ContainsFma(ImmutableArray<MStmt> stmts)
    {
        foreach (var s in stmts)
            switch (s)
            {
                case FmaStmt: return true;
                case LoopStmt l when ContainsFma(l.Body): return true;
                case IfStmt i when ContainsFma(i.Then) || ContainsFma(i.Else): return true;
            }
        return false;
    }

    /// <summary>Whether <paramref name="param"/> is larger than the target's per-core L2, so that its producer cannot have
    /// left it there. A smaller one is usually still cached, and prefetching it measured slower: shufflenet's 14×14
    /// conv+Sum kernels (a 213 KB residual) took 2.5× their time with the prefetches (1.89 → 2.45 ms for the model's
    /// kernels), where resnet50's 1.6–3.2 MB residuals gained. Loads from parameters over half the L2 (resnet50's
    /// 800 KB residuals of its 14×14 256→1024 and 512→1024 1×1 convs, written three kernels before) measured within
    /// noise: those six kernels 1–5% less, 2% net of the run's drift (1 thread, thread CPU, two sittings of three alternations; h/pw2).</summary>
    private static bool OutgrowsL2(BlockParam param, Target target) =>
        param.Shape.Aggregate(1L, (a, d) => a * d) * Math.Max(1, param.Element.BitWidth() / 8) > target.L2Bytes;

    /// <summary>The memories <paramref name="stmts"/> read, write or prefetch, at any depth.</summary>
    private static void Memories(ImmutableArray<MStmt> stmts, HashSet<string> found)
    {
        foreach (var s in stmts)
            switch (s)
            {
                case LoadStmt l: found.Add(l.Memory); break;
                case StoreStmt st: found.Add(st.Memory); break;
                case PrefetchStmt p: found.Add(p.Memory); break;
                case LoopStmt l: Memories(l.Body, found); break;
                case IfStmt i: Memories(i.Then, found); Memories(i.Else, found); break;
            }
    }

    /// <summary>Every register name <paramref name="stmts"/> assign (and, unless <paramref name="namesOnly"/> is false,
    /// read), at any depth.</summary>
    private static void Collect(ImmutableArray<MStmt> stmts, HashSet<string> names, bool namesOnly = true)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) names.Add(d.Name);
            if (namesOnly)
                foreach (var u in s.Uses) names.Add(u.Name);
            switch (s)
            {
                case LoopStmt l:
                    names.Add(l.Var.Name);
                    Collect(l.Body, names, namesOnly);
                    break;
                case IfStmt i:
                    Collect(i.Then, names, namesOnly);
                    Collect(i.Else, names, namesOnly);
                    break;
            }
        }
    }

    private static bool IsInteger(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.UInt64 or DataType.UInt32 or DataType.UInt16 or DataType.UInt8;
}
