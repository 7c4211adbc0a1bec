using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Interpreting;

/// <summary>A kernel resolved once for execution: its statements as <see cref="Node"/>s, the size of the register
/// file, its memories (parameters in signature order, then local buffers).</summary>
internal sealed record ResolvedKernel(Node[] Body, int Scalars, int Registers, MemorySlot[] Memories);

/// <summary>Resolves registers to slots of one flat register file and memory names to indices, and checks every
/// static rule of the level (operand types, lanes, element types, writable memories), so that execution only has
/// value-dependent checks left.</summary>
internal sealed class Prepass
{
    private readonly MachineKernel _kernel;
    private readonly Dictionary<string, Slot> _regs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _memoryIndex = new(StringComparer.Ordinal);
    private readonly List<MemorySlot> _memories = [];
    private int _scalars;

    private Prepass(MachineKernel kernel) => _kernel = kernel;

    public static ResolvedKernel Resolve(MachineKernel kernel)
    {
        var p = new Prepass(kernel);
        foreach (var param in kernel.Params)
            p.AddMemory(new MemorySlot(param.Name, param.Element, param.Shape.Aggregate(1L, (a, b) => a * b), false, param.Role != ParamRole.Input));
        foreach (var buffer in kernel.Buffers)
        {
            if (buffer.Length < 0)
                throw new StrataException(ErrorCode.InvalidIr, $"machine kernel @{kernel.Name}: buffer %{buffer.Name} has negative length {buffer.Length}",
                    "give every local buffer a length >= 0", Where(kernel));
            p.AddMemory(new MemorySlot(buffer.Name, buffer.Element, buffer.Length, true, true));
        }
        var body = p.Body(kernel.Body);
        return new ResolvedKernel(body, p._scalars, p._regs.Count, [.. p._memories]);
    }

    private void AddMemory(MemorySlot m)
    {
        if (!ScalarSemantics.IsSupported(m.Element))
            throw new StrataException(ErrorCode.UnsupportedDataType, $"machine kernel @{_kernel.Name}: %{m.Name} holds {m.Element.ShortName()}, which is not computed below the Graph level",
                "such tensors run in fallback kernels", Where(_kernel));
        if (!_memoryIndex.TryAdd(m.Name, _memories.Count))
            throw new StrataException(ErrorCode.InvalidIr, $"machine kernel @{_kernel.Name} declares %{m.Name} twice (parameters and buffers share one namespace)",
                "rename one of them", Where(_kernel));
        _memories.Add(m);
    }

    private Node[] Body(ImmutableArray<MStmt> stmts)
    {
        var nodes = new Node[stmts.Length];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = Resolve(stmts[i]);
        return nodes;
    }

    private Node Resolve(MStmt stmt)
    {
        switch (stmt)
        {
            case ConstStmt c:
                return new ConstNode(c, Reg(c.Target, c), ScalarSemantics.Normalize(c.Value, c.Target.Type.Element));
            case ProgramIdStmt p:
                if (p.Axis < 0 || p.Axis >= _kernel.Grid.Length)
                    throw Invalid(p, $"program_id axis {p.Axis} is out of range for a grid of rank {_kernel.Grid.Length}");
                Integer(p, p.Target);
                return new ProgramIdNode(p, Reg(p.Target, p), p.Axis);
            case MoveStmt m:
                SameType(m, m.Source, m.Target);
                return new MoveNode(m, Reg(m.Target, m), Reg(m.Source, m));
            case UnaryStmt u:
                if (!ScalarSemantics.IsDefined(u.Op, u.X.Type.Element))
                    throw Invalid(u, $"{u.Op.Name()} is not defined on {u.X.Type.Element.ShortName()}", ErrorCode.TypeMismatch);
                Expect(u, u.Target, u.X.Type.WithElement(ScalarSemantics.ResultType(u.Op, u.X.Type.Element)));
                return new UnaryNode(u, Reg(u.Target, u), u.Op, Reg(u.X, u));
            case BinaryStmt b:
                SameType(b, b.A, b.B);
                if (!ScalarSemantics.IsDefined(b.Op, b.A.Type.Element))
                    throw Invalid(b, $"{b.Op.Name()} is not defined on {b.A.Type.Element.ShortName()}", ErrorCode.TypeMismatch);
                Expect(b, b.Target, b.A.Type.WithElement(ScalarSemantics.ResultType(b.Op, b.A.Type.Element)));
                var (bd, ba, bb) = (Reg(b.Target, b), Reg(b.A, b), Reg(b.B, b));
                return IndexBinaryNode.Applies(b.Op, bd, ba) ? new IndexBinaryNode(b, bd, b.Op, ba, bb) : new BinaryNode(b, bd, b.Op, ba, bb);
            case FmaStmt f:
                if (!ScalarSemantics.IsFloat(f.Target.Type.Element))
                    throw Invalid(f, $"fma is defined on float types only, not {f.Target.Type}", ErrorCode.TypeMismatch);
                SameType(f, f.A, f.Target);
                SameType(f, f.B, f.Target);
                SameType(f, f.C, f.Target);
                return new FmaNode(f, Reg(f.Target, f), Reg(f.A, f), Reg(f.B, f), Reg(f.C, f));
            case SelectStmt s:
                Expect(s, s.Condition, s.Target.Type.WithElement(DataType.Bool));
                SameType(s, s.IfTrue, s.Target);
                SameType(s, s.IfFalse, s.Target);
                return new SelectNode(s, Reg(s.Target, s), Reg(s.Condition, s), Reg(s.IfTrue, s), Reg(s.IfFalse, s));
            case CastStmt c:
                if (c.X.Type.Lanes != c.Target.Type.Lanes)
                    throw Invalid(c, $"cast keeps the lanes: {c.X} is {c.X.Type}, {c.Target} is {c.Target.Type}", ErrorCode.TypeMismatch);
                return new CastNode(c, Reg(c.Target, c), Reg(c.X, c));
            case BroadcastStmt b:
                Expect(b, b.Source, b.Target.Type.ScalarType);
                return new BroadcastNode(b, Reg(b.Target, b), Reg(b.Source, b));
            case ShuffleStmt sh:
                SameType(sh, sh.A, sh.Target);
                SameType(sh, sh.B, sh.Target);
                if (!sh.Target.Type.IsVector || sh.Lanes.Length != sh.Target.Type.Lanes || sh.Lanes.Any(i => i < 0 || i >= 2 * sh.Target.Type.Lanes))
                    throw Invalid(sh, $"shuffle of {sh.Target.Type} needs one lane index in [0, {2 * sh.Target.Type.Lanes}) per lane", ErrorCode.InvalidIr);
                return new ShuffleNode(sh, Reg(sh.Target, sh), Reg(sh.A, sh), Reg(sh.B, sh), [.. sh.Lanes]);
            case ReduceLanesStmt r:
                if (r.Op.Step() is null)
                    throw Invalid(r, $"reduce_lanes does sum, prod, max, min or maxnative, not {r.Op.Name()}");
                Expect(r, r.Target, r.Vector.Type.ScalarType);
                return new ReduceLanesNode(r, Reg(r.Target, r), r.Op, Reg(r.Vector, r));
            case LoadStmt l:
            {
                int mem = Memory(l, l.Memory, l.Target.Type.Element, l.Target);
                var other = ScalarSemantics.Normalize(l.Other ?? default, l.Target.Type.Element);
                return new LoadNode(l, Reg(l.Target, l), mem, Index(l, l.Index), Mask(l, l.Mask, l.Target), Count(l, l.From, l.Target, "from"), Count(l, l.Count, l.Target), other);
            }
            case StoreStmt s:
            {
                int mem = Memory(s, s.Memory, s.Value.Type.Element, s.Value);
                if (!_memories[mem].Writable)
                    throw Invalid(s, $"store to input parameter %{s.Memory}; only output and scratch parameters and local buffers are written");
                return new StoreNode(s, Reg(s.Value, s), mem, Index(s, s.Index), Mask(s, s.Mask, s.Value), Count(s, s.From, s.Value, "from"), Count(s, s.Count, s.Value));
            }
            case PrefetchStmt p:
                if (!_memoryIndex.ContainsKey(p.Memory))
                    throw Invalid(p, $"%{p.Memory} is neither a parameter nor a local buffer", ErrorCode.UndefinedValue);
                return new PrefetchNode(p, Index(p, p.Index));
            case LoopStmt l:
            {
                Expect(l, l.Var, MType.I64);
                if (l.Step <= 0) throw Invalid(l, $"loop step must be a positive constant, not {l.Step}");
                var lower = Reg(Integer(l, l.Lower), l);
                var upper = Reg(Integer(l, l.Upper), l);
                if (Assigns(l.Body, l.Var.Name) is { } bad)
                    throw Invalid(l, $"the loop body assigns the induction variable {l.Var} ({MachinePrinter.Headline(bad)})");
                return new LoopNode(l, Reg(l.Var, l), lower, upper, l.Step, Body(l.Body));
            }
            case IfStmt i:
                Expect(i, i.Condition, MType.Bool);
                return new IfNode(i, Reg(i.Condition, i), Body(i.Then), Body(i.Else));
            default:
                throw Invalid(stmt, $"the machine interpreter does not know {stmt.GetType().Name}", ErrorCode.NotImplemented);
        }
    }

    /// <summary>The slot of a register, allocated on first sight; a register has one type.</summary>
    private Slot Reg(Reg r, MStmt stmt)
    {
        if (_regs.TryGetValue(r.Name, out var s))
        {
            if (!s.Reg.Type.Equals(r.Type))
                throw Invalid(stmt, $"register %{r.Name} is used as {r.Type} but is {s.Reg.Type} elsewhere (a register keeps one type)", ErrorCode.TypeMismatch);
            return s;
        }
        if (r.Type.Lanes < 1) throw Invalid(stmt, $"register %{r.Name} has {r.Type.Lanes} lanes", ErrorCode.TypeMismatch);
        if (!ScalarSemantics.IsSupported(r.Type.Element))
            throw Invalid(stmt, $"register %{r.Name} holds {r.Type.Element.ShortName()}, which is not computed below the Graph level", ErrorCode.UnsupportedDataType);
        s = new Slot(_regs.Count, _scalars, r.Type.Lanes, r.Type.Element, r);
        _scalars += r.Type.Lanes;
        _regs.Add(r.Name, s);
        return s;
    }

    private int Memory(MStmt stmt, string name, DataType element, Reg value)
    {
        if (!_memoryIndex.TryGetValue(name, out int m))
            throw Invalid(stmt, $"%{name} is neither a parameter nor a local buffer", ErrorCode.UndefinedValue);
        if (_memories[m].Element != element)
            throw Invalid(stmt, $"{value} is {value.Type} but %{name} holds {_memories[m].Element.ShortName()}", ErrorCode.TypeMismatch);
        return m;
    }

    private Slot Index(MStmt stmt, Reg index) => Reg(Integer(stmt, index), stmt);

    /// <summary>Scalar accesses take a mask (a scalar bool), vector accesses a from and a count (as the verifier requires: the
    /// backends implement exactly these two forms).</summary>
    private Slot? Mask(MStmt stmt, Reg? mask, Reg value)
    {
        if (mask is null) return null;
        if (value.Type.IsVector)
            throw Invalid(stmt, $"a vector access is limited with count, not mask {mask}", ErrorCode.TypeMismatch);
        Expect(stmt, mask, MType.Bool);
        return Reg(mask, stmt);
    }

    private Slot? Count(MStmt stmt, Reg? count, Reg value, string word = "count")
    {
        if (count is null) return null;
        if (!value.Type.IsVector)
            throw Invalid(stmt, $"a scalar access is limited with mask, not {word} {count}", ErrorCode.TypeMismatch);
        return Reg(Integer(stmt, count), stmt);
    }

    /// <summary>Checks that a register is a scalar integer (an index, a count, a loop bound, a program id).</summary>
    private Reg Integer(MStmt stmt, Reg r)
    {
        if (r.Type.IsVector || ScalarSemantics.IsFloat(r.Type.Element) || r.Type.Element == DataType.Bool)
            throw Invalid(stmt, $"{r} must be a scalar integer, not {r.Type}", ErrorCode.TypeMismatch);
        return r;
    }

    private void SameType(MStmt stmt, Reg a, Reg b)
    {
        if (!a.Type.Equals(b.Type))
            throw Invalid(stmt, $"{a} is {a.Type} but {b} is {b.Type}: the types must agree", ErrorCode.TypeMismatch);
    }

    private void Expect(MStmt stmt, Reg r, MType type)
    {
        if (!r.Type.Equals(type))
            throw Invalid(stmt, $"{r} must be {type}, not {r.Type}", ErrorCode.TypeMismatch);
    }

    private static MStmt? Assigns(ImmutableArray<MStmt> body, string name)
    {
        foreach (var s in body)
        {
            if (s.Dest?.Name == name) return s;
            var nested = s switch
            {
                LoopStmt l => l.Var.Name == name ? l : Assigns(l.Body, name),
                IfStmt i => Assigns(i.Then, name) ?? Assigns(i.Else, name),
                _ => null,
            };
            if (nested is not null) return nested;
        }
        return null;
    }

    private StrataException Invalid(MStmt stmt, string message, ErrorCode code = ErrorCode.InvalidIr) =>
        new(code, $"machine kernel @{_kernel.Name}: {MachinePrinter.Headline(stmt)}: {message}", "verify the kernel", Where(_kernel));

    internal static string Where(MachineKernel kernel) => $"machine kernel @{kernel.Name}";
}
