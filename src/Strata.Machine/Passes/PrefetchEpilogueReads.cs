using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>Prefetches, just before a micro-kernel's reduction loop, the vectors its epilogue reads from parameters
/// after the loop (a residual <c>Sum</c>'s other operand, a <c>Mul</c>'s gate): <c>prefetch %m[%i]</c> with the load's
/// index, computed by copies of the index arithmetic (fresh registers). Those reads come right after the last FMAs,
/// rows a plane apart (no hardware prefetcher follows them) and usually from L3 or memory; the out-of-order window
/// cannot reach them while the reduction runs, so a 1×1 conv + residual add spent half its time waiting on them
/// (resnet50's 64→256 convs at 56×56: 104 GFLOP/s with the add, 199 without). The reduction loop (one containing an
/// FMA) then hides their latency. Only vector loads at the top level of the same statement list, from parameters the
/// loop neither reads nor writes, whose index is a chain of scalar integer add/sub/mul/min/max, moves and constants
/// (nothing that can trap) over registers the loop and the statements up to the load do not assign and that are
/// assigned before the loop. A prefetch is a hint, so a wrong guess costs time, never results.</summary>
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

    /// <summary>The index copies and prefetches to put before the loop at <paramref name="at"/>.</summary>
    private static ImmutableArray<MStmt> Prefetches(ImmutableArray<MStmt> stmts, int at, State state, HashSet<string> defined)
    {
        var loop = (LoopStmt)stmts[at];
        var inLoop = new HashSet<string>(StringComparer.Ordinal) { loop.Var.Name };
        Collect([loop], inLoop, namesOnly: false);
        var touched = new HashSet<string>(StringComparer.Ordinal);
        Memories(loop.Body, touched);
        var outStmts = ImmutableArray.CreateBuilder<MStmt>();
        var copies = new Dictionary<int, Reg>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        for (int q = at + 1; q < stmts.Length && count < MaxPerLoop; q++)
        {
            if (stmts[q] is LoopStmt or IfStmt) break;
            if (stmts[q] is not LoadStmt { Target.Type.IsVector: true } load || state.Kernel.Param(load.Memory) is null || touched.Contains(load.Memory))
                continue;
            var chain = ImmutableArray.CreateBuilder<MStmt>();
            if (Copy(stmts, at, q, load.Index, inLoop, defined, state, copies, chain) is not { } index) continue;
            outStmts.AddRange(chain);
            if (!done.Add(load.Memory + "[" + index.Name)) continue;
            outStmts.Add(new PrefetchStmt(load.Memory, index));
            count++;
        }
        return count == 0 ? [] : outStmts.ToImmutable();
    }

    /// <summary>A register holding, before the loop at <paramref name="at"/>, the value <paramref name="r"/> has at statement
    /// <paramref name="q"/>; null when that value is not computable there. New copies go to <paramref name="chain"/>.</summary>
    private static Reg? Copy(ImmutableArray<MStmt> stmts, int at, int q, Reg r, HashSet<string> inLoop, HashSet<string> defined,
        State state, Dictionary<int, Reg> copies, ImmutableArray<MStmt>.Builder chain)
    {
        if (r.Type.IsVector || !IsInteger(r.Type.Element)) return null;
        for (int p = q - 1; p > at; p--)
        {
            var s = stmts[p];
            if (s is LoopStmt or IfStmt) return null;
            if (s.Dest is not { } d || d.Name != r.Name) continue;
            if (copies.TryGetValue(p, out var known)) return known;
            MStmt? copy = null;
            var target = state.Fresh(d.Type);
            switch (s)
            {
                case ConstStmt c when !d.Type.IsVector:
                    copy = c with { Target = target };
                    break;
                case MoveStmt m when Copy(stmts, at, p, m.Source, inLoop, defined, state, copies, chain) is { } src:
                    copy = new MoveStmt(target, src);
                    break;
                case BinaryStmt b when b.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Min or BinaryOp.Max
                    && Copy(stmts, at, p, b.A, inLoop, defined, state, copies, chain) is { } a
                    && Copy(stmts, at, p, b.B, inLoop, defined, state, copies, chain) is { } bb:
                    copy = new BinaryStmt(target, b.Op, a, bb);
                    break;
            }
            if (copy is null) return null;
            chain.Add(copy);
            copies[p] = target;
            return target;
        }
        // Not assigned between the loop and the use: the loop must not assign it either, and it must hold a value.
        return inLoop.Contains(r.Name) || !defined.Contains(r.Name) ? null : r;
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
