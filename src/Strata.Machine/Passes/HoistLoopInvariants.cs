using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Passes;

/// <summary>Loop-invariant code motion for index arithmetic: a constant, or scalar integer/bool arithmetic (no division),
/// an integer cast, or a scalar select or move of them, at the top level of a loop body, whose operands no statement of
/// the loop assigns (nor the loop variable), moves to just before the loop — repeatedly, so a chain of them moves
/// together, and out of each loop of a nest in turn. The lowering recomputes a row's full address in the innermost loop
/// (<c>(i0 + r)·16384 + (i00 + c)·128 + j</c>), and RyuJIT does not hoist it: in softmax's exp loop that was 16 integer
/// instructions per 16 lanes, and a depthwise conv recomputed every tap's row offset per vector. Only registers
/// assigned once in the whole kernel move, so every read sees the value it saw before; the moved operations cannot
/// trap (no division), so running them when the loop runs zero times is harmless. Scalar float arithmetic moves too
/// (it cannot trap), and so does a plain scalar load of memory no statement of the kernel stores to, out of a loop
/// with constant bounds that runs at least once (so the load reads what the loop's first iteration would): an SE
/// block's <c>x · sigmoid(s[c])</c> computed the sigmoid of its channel's scalar for every vector of the row (256 ×
/// 56²: 0.64 ms, ONNX Runtime 0.27).</summary>
public sealed class HoistLoopInvariants : IMachinePass
{
    public string Name => nameof(HoistLoopInvariants);

    public MachineKernel Run(MachineKernel kernel)
    {
        var defs = new Dictionary<string, int>(StringComparer.Ordinal);
        CountDefs(kernel.Body, defs);
        var divisors = new HashSet<string>(StringComparer.Ordinal);
        PositiveConstants(kernel.Body, defs, divisors);
        var constants = new Dictionary<string, long>(StringComparer.Ordinal);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        ConstantsAndStores(kernel.Body, defs, constants, stored);
        var body = Hoist(kernel.Body, new Facts(defs, divisors, constants, stored));
        return body == kernel.Body ? kernel : kernel with { Body = body };
    }

    /// <summary>Integer registers assigned once, by a constant above 0: a division by one cannot trap (an im2col K row's
    /// <c>ci = k / 9</c>, <c>kw = k mod 3</c>), so it may move out of the loops over the row's vectors.</summary>
    private static void PositiveConstants(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs, HashSet<string> found)
    {
        foreach (var s in stmts)
            switch (s)
            {
                case ConstStmt c when !c.Target.Type.IsVector && IsInteger(c.Target.Type.Element) && c.Value.I > 0 && defs.GetValueOrDefault(c.Target.Name) == 1:
                    found.Add(c.Target.Name);
                    break;
                case LoopStmt l: PositiveConstants(l.Body, defs, found); break;
                case IfStmt i: PositiveConstants(i.Then, defs, found); PositiveConstants(i.Else, defs, found); break;
            }
    }

    /// <summary>What the kernel's statements tell about its registers and memory: how often each register is assigned,
    /// the positive integer constants (divisors), the integer constants' values, and the memory some statement stores to.</summary>
    private sealed record Facts(Dictionary<string, int> Defs, HashSet<string> Divisors, Dictionary<string, long> Constants, HashSet<string> Stored);

    private static void ConstantsAndStores(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs, Dictionary<string, long> constants, HashSet<string> stored)
    {
        foreach (var s in stmts)
            switch (s)
            {
                case ConstStmt c when !c.Target.Type.IsVector && IsInteger(c.Target.Type.Element) && defs.GetValueOrDefault(c.Target.Name) == 1:
                    constants[c.Target.Name] = c.Value.I;
                    break;
                case StoreStmt st: stored.Add(st.Memory); break;
                case LoopStmt l: ConstantsAndStores(l.Body, defs, constants, stored); break;
                case IfStmt i: ConstantsAndStores(i.Then, defs, constants, stored); ConstantsAndStores(i.Else, defs, constants, stored); break;
            }
    }

    private static void CountDefs(ImmutableArray<MStmt> stmts, Dictionary<string, int> defs) =>
        ForEachAssigned(stmts, name => defs[name] = defs.GetValueOrDefault(name) + 1);

    private static void CollectAssigned(ImmutableArray<MStmt> stmts, HashSet<string> assigned) =>
        ForEachAssigned(stmts, name => assigned.Add(name));

    /// <summary>Every register <paramref name="stmts"/> assign, at any depth, once per assignment (loop variables too).</summary>
    private static void ForEachAssigned(ImmutableArray<MStmt> stmts, Action<string> assigned)
    {
        foreach (var s in stmts)
        {
            if (s.Dest is { } d) assigned(d.Name);
            switch (s)
            {
                case LoopStmt l:
                    assigned(l.Var.Name);
                    ForEachAssigned(l.Body, assigned);
                    break;
                case IfStmt i:
                    ForEachAssigned(i.Then, assigned);
                    ForEachAssigned(i.Else, assigned);
                    break;
            }
        }
    }

    /// <summary><paramref name="stmts"/> with each loop's invariants moved before it (the same array when none moves).</summary>
    private static ImmutableArray<MStmt> Hoist(ImmutableArray<MStmt> stmts, Facts facts)
    {
        var result = ImmutableArray.CreateBuilder<MStmt>(stmts.Length);
        bool changed = false;
        foreach (var s in stmts)
        {
            switch (s)
            {
                case LoopStmt l:
                {
                    var inner = Hoist(l.Body, facts);
                    bool runs = facts.Constants.TryGetValue(l.Lower.Name, out long lo) && facts.Constants.TryGetValue(l.Upper.Name, out long hi) && lo < hi;
                    var assigned = new HashSet<string>(StringComparer.Ordinal) { l.Var.Name };
                    CollectAssigned(inner, assigned);
                    var kept = ImmutableArray.CreateBuilder<MStmt>(inner.Length);
                    foreach (var t in inner)
                    {
                        if (t.Dest is { } d && Movable(t, facts, runs) && facts.Defs.GetValueOrDefault(d.Name) == 1 && t.Uses.All(u => !assigned.Contains(u.Name)))
                        {
                            result.Add(t);
                            assigned.Remove(d.Name);
                            changed = true;
                        }
                        else kept.Add(t);
                    }
                    if (kept.Count == inner.Length && inner == l.Body) result.Add(l);
                    else
                    {
                        result.Add(l with { Body = kept.ToImmutable() });
                        changed = true;
                    }
                    break;
                }
                case IfStmt i:
                {
                    var then = Hoist(i.Then, facts);
                    var @else = Hoist(i.Else, facts);
                    if (then == i.Then && @else == i.Else) result.Add(i);
                    else
                    {
                        result.Add(i with { Then = then, Else = @else });
                        changed = true;
                    }
                    break;
                }
                default:
                    result.Add(s);
                    break;
            }
        }
        return changed ? result.ToImmutable() : stmts;
    }

    /// <summary>Pure, cannot trap, and cheap to keep live: scalar constants, scalar integer/bool arithmetic (index
    /// arithmetic, comparisons and their and/or for range bounds, selects and moves of them) other than division, scalar
    /// float arithmetic, and, out of a loop that <paramref name="runs"/> at least once, a plain scalar load of memory the
    /// kernel never stores to.</summary>
    private static bool Movable(MStmt s, Facts facts, bool runs) => IsScalarFloatMath(s) || s is LoadStmt l && runs && IsReadOnlyScalar(l, facts) || Movable(s, facts.Divisors);

    private static bool IsScalarFloatMath(MStmt s) => s switch
    {
        UnaryStmt u => IsScalarFloat(u.Target) && IsScalarFloat(u.X),
        BinaryStmt b => !b.Target.Type.IsVector && IsScalarFloat(b.A) && IsScalarFloat(b.B),
        FmaStmt f => IsScalarFloat(f.Target) && IsScalarFloat(f.A) && IsScalarFloat(f.B) && IsScalarFloat(f.C),
        _ => false,
    };

    private static bool IsScalarFloat(Reg r) => !r.Type.IsVector && r.Type.Element is DataType.Float32 or DataType.Float64;

    private static bool IsReadOnlyScalar(LoadStmt l, Facts facts) =>
        !l.Target.Type.IsVector && l.Mask is null && l.Count is null && l.From is null && l.Stride == 1 && !facts.Stored.Contains(l.Memory);

    private static bool Movable(MStmt s, HashSet<string> divisors) => s switch
    {
        ConstStmt c => !c.Target.Type.IsVector,
        BinaryStmt b => !b.Target.Type.IsVector && !b.A.Type.IsVector && IsIndex(b.Target.Type.Element) && IsIndex(b.A.Type.Element)
            && (b.Op is not (BinaryOp.Div or BinaryOp.FloorDiv or BinaryOp.Mod or BinaryOp.FMod or BinaryOp.Pow)
                || b.Op is BinaryOp.Div or BinaryOp.FloorDiv or BinaryOp.Mod && IsInteger(b.Target.Type.Element) && divisors.Contains(b.B.Name)),
        CastStmt c => !c.Target.Type.IsVector && IsInteger(c.Target.Type.Element) && IsInteger(c.X.Type.Element),
        SelectStmt c => !c.Target.Type.IsVector && !c.Condition.Type.IsVector && IsIndex(c.Target.Type.Element),
        MoveStmt m => !m.Target.Type.IsVector && !m.Source.Type.IsVector && IsIndex(m.Target.Type.Element),
        _ => false,
    };

    private static bool IsIndex(DataType t) => t == DataType.Bool || IsInteger(t);

    private static bool IsInteger(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.UInt64 or DataType.UInt32 or DataType.UInt16 or DataType.UInt8;
}
