using System.Collections.Immutable;
using System.Reflection.Emit;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Emits one <see cref="MachineKernel"/> as the IL of a <see cref="DynamicMethod"/>
/// <c>void(nint* args, long begin, long end, nint locals)</c>. Registers become IL locals, those never live at once
/// sharing one (<see cref="LocalSlots"/>: RyuJIT enregisters only the first 1,024 locals of a method); the body runs
/// once per linear instance id in [begin, end).
/// The statement kinds are split over partial files: scalar ops, vector ops, memory, control flow.</summary>
internal sealed partial class KernelEmitter
{
    private readonly MachineKernel _kernel;
    private readonly Target _target;
    private readonly ILGenerator _il;
    private readonly Func<MStmt, bool> _checkAccess;
    private readonly Dictionary<Reg, LocalBuilder> _regs = [];
    private readonly Dictionary<string, (LocalBuilder Pointer, DataType Element, long Length)> _memory = [];
    private readonly Dictionary<(Type, int), LocalBuilder> _temps = [];
    private Dictionary<string, (Type Type, int Slot)> _slots = [];
    private readonly Dictionary<(Type, int), LocalBuilder> _slotLocals = [];
    private LocalBuilder _instance = null!;

    private KernelEmitter(MachineKernel kernel, ILGenerator il, Func<MStmt, bool> checkAccess)
    {
        _kernel = kernel;
        _target = kernel.Target;
        _il = il;
        _checkAccess = checkAccess;
    }

    /// <summary>Emits the kernel into <paramref name="il"/>; returns the bytes of per-thread scratch its local buffers
    /// need, how many accesses got a bounds check and how many stride-2 loads share a pair. <paramref name="checkAccess"/> says which loads/stores get one.</summary>
    public static (long LocalBytes, int CheckedAccesses, int PairedStride2Loads) Emit(MachineKernel kernel, ILGenerator il, Func<MStmt, bool> checkAccess)
    {
        var e = new KernelEmitter(kernel, il, checkAccess);
        e.FindConstants();
        e._slots = LocalSlots.Assign(kernel.Body, r => ClrTypes.Of(r.Type, kernel.Target), e._constants.Keys.ToHashSet(StringComparer.Ordinal));
        long localBytes = e.EmitPrologue();
        e.EmitInstanceLoop();
        return (localBytes, e._checkedAccesses, e._pairedStride2Loads);
    }

    private int _checkedAccesses;

    /// <summary>Typed base pointers: params from args[i], buffers at 64-byte-aligned offsets into locals.</summary>
    private long EmitPrologue()
    {
        // Nothing to run: return before touching args (the warm-up call that forces the JIT passes null).
        var work = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_2);
        _il.Emit(OpCodes.Blt, work);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(work);
        for (int i = 0; i < _kernel.Params.Length; i++)
        {
            var p = _kernel.Params[i];
            var ptr = _il.DeclareLocal(typeof(nint));
            _il.Emit(OpCodes.Ldarg_0);
            if (i > 0)
            {
                _il.Emit(OpCodes.Ldc_I4, i * IntPtr.Size);
                _il.Emit(OpCodes.Add);
            }
            _il.Emit(OpCodes.Ldind_I);
            _il.Emit(OpCodes.Stloc, ptr);
            _memory[p.Name] = (ptr, p.Element, p.Shape.Aggregate(1L, (a, b) => a * b));
        }
        long offset = 0;
        foreach (var b in _kernel.Buffers)
        {
            if (_memory.ContainsKey(b.Name))
                throw Error($"buffer %{b.Name} has the name of a parameter");
            var ptr = _il.DeclareLocal(typeof(nint));
            _il.Emit(OpCodes.Ldarg_3);
            _il.Emit(OpCodes.Ldc_I8, offset);
            _il.Emit(OpCodes.Conv_I);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Stloc, ptr);
            _memory[b.Name] = (ptr, b.Element, b.Length);
            offset += (b.Length * ClrTypes.Size(b.Element) + 63) / 64 * 64;
        }
        return offset;
    }

    /// <summary><c>for (id = begin; id &lt; end; id++) body</c>, the test at the top.</summary>
    private void EmitInstanceLoop()
    {
        _instance = _il.DeclareLocal(typeof(long));
        var top = _il.DefineLabel();
        var exit = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Stloc, _instance);
        _il.MarkLabel(top);
        _il.Emit(OpCodes.Ldloc, _instance);
        _il.Emit(OpCodes.Ldarg_2);
        _il.Emit(OpCodes.Bge, exit);
        EmitBlock(_kernel.Body);
        _il.Emit(OpCodes.Ldloc, _instance);
        _il.Emit(OpCodes.Ldc_I8, 1L);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _instance);
        _il.Emit(OpCodes.Br, top);
        _il.MarkLabel(exit);
        _il.Emit(OpCodes.Ret);
    }

    private void EmitBlock(ImmutableArray<MStmt> body)
    {
        var pairs = FindStride2Pairs(body);
        for (int k = 0; k < body.Length; k++)
        {
            var s = body[k];
            try
            {
                if (pairs.TryGetValue(k, out var pair))
                {
                    if (pair.First == k) EmitStride2PairFirst((LoadStmt)s, pair);
                    else EmitStride2Half((LoadStmt)s, pair, !pair.FirstIsLower);
                }
                else EmitStmt(s);
            }
            catch (StrataException e) when (e.Location is null) { throw e.WithLocation($"native kernel @{_kernel.Name}: {Describe(s)}"); }
        }
    }

    private void EmitStmt(MStmt s)
    {
        switch (s)
        {
            case ConstStmt c: if (!_constants.ContainsKey(c.Target.Name)) { EmitConst(c.Target, c.Value); Store(c.Target); } break;
            case ProgramIdStmt p: EmitProgramId(p); break;
            case MoveStmt m: RequireSameType(m.Target, m.Source); Load(m.Source); Store(m.Target); break;
            case UnaryStmt u: if (u.X.Type.IsVector) EmitVectorUnary(u); else EmitScalarUnary(u); break;
            case BinaryStmt b: RequireSameType(b.A, b.B); if (b.A.Type.IsVector) EmitVectorBinary(b); else EmitScalarBinary(b); break;
            case FmaStmt f: EmitFma(f); break;
            case SelectStmt sel: EmitSelect(sel); break;
            case CastStmt c: if (c.X.Type.IsVector) EmitVectorCast(c); else EmitScalarCast(c); break;
            case BroadcastStmt b: EmitBroadcast(b); break;
            case ShuffleStmt sh: EmitShuffle(sh); break;
            case ReduceLanesStmt r: EmitReduceLanes(r); break;
            case LoadStmt l: EmitLoad(l); break;
            case StoreStmt st: EmitStore(st); break;
            case PrefetchStmt p: EmitPrefetch(p); break;
            case LoopStmt l: EmitLoop(l); break;
            case IfStmt i: EmitIf(i); break;
            default: throw Error($"statement {s.GetType().Name} is not supported by the clr backend");
        }
    }

    /// <summary>program_id axis = (id / stride) % grid[axis], the last axis fastest; computed where it is read.</summary>
    private void EmitProgramId(ProgramIdStmt p)
    {
        if (p.Axis < 0 || p.Axis >= _kernel.Grid.Length) throw Error($"program_id {p.Axis}: the grid has {_kernel.Grid.Length} axes");
        long stride = 1;
        for (int a = p.Axis + 1; a < _kernel.Grid.Length; a++) stride *= _kernel.Grid[a];
        _il.Emit(OpCodes.Ldloc, _instance);
        if (stride != 1)
        {
            _il.Emit(OpCodes.Ldc_I8, stride);
            _il.Emit(OpCodes.Div);
        }
        if (p.Axis > 0)
        {
            _il.Emit(OpCodes.Ldc_I8, _kernel.Grid[p.Axis]);
            _il.Emit(OpCodes.Rem);
        }
        ConvertFromLong(p.Target.Type.Element);
        Store(p.Target);
    }

    /// <summary><c>var = lo; hi' = hi; while (var &lt; hi') { body; var += step; }</c> — bounds read once.</summary>
    private void EmitLoop(LoopStmt l)
    {
        if (l.Step <= 0) throw Error($"loop %{l.Var.Name}: step {l.Step} must be positive");
        if (l.Var.Type != MType.I64 || l.Lower.Type != MType.I64 || l.Upper.Type != MType.I64)
            throw Error($"loop %{l.Var.Name}: the variable and bounds must be i64");
        var upper = _il.DeclareLocal(ClrTypes.Of(l.Upper.Type, _target));
        Load(l.Lower);
        Store(l.Var);
        Load(l.Upper);
        _il.Emit(OpCodes.Stloc, upper);
        var top = _il.DefineLabel();
        var exit = _il.DefineLabel();
        _il.MarkLabel(top);
        Load(l.Var);
        _il.Emit(OpCodes.Ldloc, upper);
        _il.Emit(OpCodes.Bge, exit);
        EmitBlock(l.Body);
        Load(l.Var);
        _il.Emit(OpCodes.Ldc_I8, l.Step);
        _il.Emit(OpCodes.Add);
        Store(l.Var);
        _il.Emit(OpCodes.Br, top);
        _il.MarkLabel(exit);
    }

    private void EmitIf(IfStmt i)
    {
        if (i.Condition.Type != MType.Bool) throw Error($"if %{i.Condition.Name}: the condition is {i.Condition.Type}, not bool");
        var otherwise = _il.DefineLabel();
        var end = _il.DefineLabel();
        Load(i.Condition);
        _il.Emit(OpCodes.Brfalse, otherwise);
        EmitBlock(i.Then);
        if (i.Else.Length > 0) _il.Emit(OpCodes.Br, end);
        _il.MarkLabel(otherwise);
        EmitBlock(i.Else);
        _il.MarkLabel(end);
    }

    private LocalBuilder Local(Reg r)
    {
        if (!_regs.TryGetValue(r, out var l))
        {
            if (_regs.Keys.FirstOrDefault(k => k.Name == r.Name) is { } other)
                throw Error($"register %{r.Name} is used as {other.Type} and as {r.Type}");
            if (_slots.TryGetValue(r.Name, out var slot))
            {
                if (!_slotLocals.TryGetValue(slot, out l)) _slotLocals[slot] = l = _il.DeclareLocal(slot.Type);
            }
            else l = _il.DeclareLocal(ClrTypes.Of(r.Type, _target));
            _regs[r] = l;
        }
        return l;
    }

    private void Load(Reg r)
    {
        if (_constants.TryGetValue(r.Name, out var v)) EmitConst(r, v);
        else _il.Emit(OpCodes.Ldloc, Local(r));
    }

    /// <summary>Registers the kernel assigns once, by a constant: each read emits the constant itself instead of
    /// reading a local. The Machine level hoists constants to the top of the kernel (HoistLoopInvariants), and as locals
    /// RyuJIT keeps vectors in registers for the whole method: a dot's fused Gelu epilogue (0.5, 1/√2, 1) then cost the
    /// micro-kernel two of its 24 accumulator registers, spilled and reloaded every k step. A constant operand is
    /// an embedded broadcast from memory (avx512) or a broadcast load, and RyuJIT hoists it itself where it pays.
    /// Scalars likewise: a big kernel has more locals than RyuJIT tracks, and an untracked local holding a constant
    /// is not propagated, so a lane range's constant from/count stayed a variable in the masked-load helpers
    /// (see also <see cref="ConstantOf"/>, KernelEmitter.ConstantLanes).</summary>
    private readonly Dictionary<string, Scalar> _constants = new(StringComparer.Ordinal);

    /// <summary>The value of a register the kernel assigns once, by a constant; null otherwise.</summary>
    private Scalar? ConstantOf(Reg? r) => r is not null && _constants.TryGetValue(r.Name, out var v) ? v : null;

    private void FindConstants()
    {
        var defs = new Dictionary<string, int>(StringComparer.Ordinal);
        var constants = new Dictionary<string, Scalar>(StringComparer.Ordinal);
        void Walk(ImmutableArray<MStmt> body)
        {
            foreach (var s in body)
            {
                if (s.Dest is { } d) defs[d.Name] = defs.GetValueOrDefault(d.Name) + 1;
                if (s is ConstStmt c) constants[c.Target.Name] = c.Value;
                if (s is LoopStmt l) { defs[l.Var.Name] = defs.GetValueOrDefault(l.Var.Name) + 1; Walk(l.Body); }
                if (s is IfStmt i) { Walk(i.Then); Walk(i.Else); }
            }
        }
        Walk(_kernel.Body);
        foreach (var (name, value) in constants)
            if (defs[name] == 1) _constants[name] = value;
    }
    private void Store(Reg r) => _il.Emit(OpCodes.Stloc, Local(r));

    /// <summary>A scratch local of a CLR type (slot distinguishes several live at once); used for spilling
    /// operands to memory for the lane-by-lane fallback helpers.</summary>
    private LocalBuilder Temp(Type t, int slot)
    {
        if (!_temps.TryGetValue((t, slot), out var l)) _temps[(t, slot)] = l = _il.DeclareLocal(t);
        return l;
    }

    /// <summary>Copies a register into a temp and pushes the temp's address (a native int).</summary>
    private LocalBuilder SpillAddress(Reg r, int slot)
    {
        var t = Temp(ClrTypes.Of(r.Type, _target), slot);
        Load(r);
        _il.Emit(OpCodes.Stloc, t);
        _il.Emit(OpCodes.Ldloca, t);
        _il.Emit(OpCodes.Conv_U);
        return t;
    }

    private void RequireSameType(Reg a, Reg b)
    {
        if (a.Type != b.Type) throw Error($"%{a.Name} is {a.Type} but %{b.Name} is {b.Type}");
    }

    private StrataException Error(string message) =>
        new(ErrorCode.NotImplemented, message, "the clr backend cannot compile this kernel; run it with the Machine interpreter",
            $"native kernel @{_kernel.Name}");

    private static string Describe(MStmt s) => s switch
    {
        LoopStmt l => $"loop %{l.Var.Name}",
        IfStmt i => $"if %{i.Condition.Name}",
        StoreStmt st => $"store %{st.Memory}[%{st.Index.Name}]",
        PrefetchStmt p => $"prefetch %{p.Memory}",
        _ when s.Dest is { } d => $"%{d.Name} = {s.GetType().Name.Replace("Stmt", "").ToLowerInvariant()}",
        _ => s.GetType().Name,
    };
}
