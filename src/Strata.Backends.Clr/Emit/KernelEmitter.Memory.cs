using System.Reflection.Emit;
using System.Runtime.Intrinsics.X86;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Loads, stores, prefetches and their bounds checks. Addresses are base + index × element size; full
/// vectors use <c>VectorN.Load/Store(T*)</c>, count-limited vectors and bool vectors copy lane by lane
/// (<see cref="LaneOps"/>) so nothing beyond the count is read or written. A count outside 0..lanes is clamped into it
/// (negative: no lane; beyond: every lane), as the Machine interpreter defines. A checked access compares the index
/// (unsigned, so negative fails too) against the memory's length and throws before touching memory.</summary>
internal sealed partial class KernelEmitter
{
    private (LocalBuilder Pointer, DataType Element, long Length) Memory(string name, Reg index) =>
        index.Type != MType.I64 ? throw Error($"index %{index.Name} of %{name} is {index.Type}, not i64")
        : _memory.TryGetValue(name, out var m) ? m : throw Error($"%{name} is neither a parameter nor a buffer");

    /// <summary>Pushes the address of element <paramref name="index"/> of a memory.</summary>
    private void PushAddress(LocalBuilder pointer, DataType element, Reg index)
    {
        _il.Emit(OpCodes.Ldloc, pointer);
        Load(index);
        _il.Emit(OpCodes.Conv_I);
        int size = ClrTypes.Size(element);
        if (size != 1)
        {
            _il.Emit(OpCodes.Ldc_I4, size);
            _il.Emit(OpCodes.Mul);
        }
        _il.Emit(OpCodes.Add);
    }

    private void EmitLoad(LoadStmt l)
    {
        var (ptr, el, length) = Memory(l.Memory, l.Index);
        var t = l.Target.Type;
        if (t.Element != el) throw Error($"load of {t} from %{l.Memory} of {el.ShortName()}");
        string access = $"load %{l.Memory}";
        bool check = _checkAccess(l);
        if (!t.IsVector)
        {
            if (l.Count is not null) throw Error("a scalar load takes a mask, not a count");
            var other = _il.DefineLabel();
            var end = _il.DefineLabel();
            if (l.Mask is { } mask)
            {
                if (mask.Type != MType.Bool) throw Error($"mask %{mask.Name} is {mask.Type}, not bool");
                Load(mask);
                _il.Emit(OpCodes.Brfalse, other);
            }
            if (check) EmitBoundsCheck(access, l.Index, null, 1, length);
            PushAddress(ptr, el, l.Index);
            LoadIndirect(el);
            Store(l.Target);
            if (l.Mask is not null)
            {
                _il.Emit(OpCodes.Br, end);
                _il.MarkLabel(other);
                EmitScalarConst(el, l.Other ?? default);
                Store(l.Target);
                _il.MarkLabel(end);
            }
            return;
        }
        if (l.Mask is not null) throw Error("a vector load takes a count, not a mask");
        if (l.Count is null && el != DataType.Bool)
        {
            if (check) EmitBoundsCheck(access, l.Index, null, t.Lanes, length);
            PushAddress(ptr, el, l.Index);
            VCall(t, "Load", "P");
            Store(l.Target);
            return;
        }
        // Lane by lane into a temp holding `other` splatted: LaneOps.LoadLanes(&mem[i], type, &r, rLane, count, lanes).
        if (l.Count is { } c && c.Type != MType.I64) throw Error($"count %{c.Name} is {c.Type}, not i64");
        var temp = Temp(VType(t), ResultSlot);
        EmitVectorConst(t, l.Other ?? default);
        _il.Emit(OpCodes.Stloc, temp);
        if (check) EmitBoundsCheck(access, l.Index, l.Count, t.Lanes, length);
        PushAddress(ptr, el, l.Index);
        _il.Emit(OpCodes.Ldc_I4, (int)el);
        _il.Emit(OpCodes.Ldloca, temp);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
        PushCount(l.Count, t.Lanes);
        _il.Emit(OpCodes.Ldc_I4, t.Lanes);
        Call(typeof(LaneOps), nameof(LaneOps.LoadLanes), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(long), typeof(int));
        _il.Emit(OpCodes.Ldloc, temp);
        Store(l.Target);
    }

    private void EmitStore(StoreStmt s)
    {
        var (ptr, el, length) = Memory(s.Memory, s.Index);
        var t = s.Value.Type;
        if (t.Element != el) throw Error($"store of {t} into %{s.Memory} of {el.ShortName()}");
        string access = $"store %{s.Memory}";
        bool check = _checkAccess(s);
        if (!t.IsVector)
        {
            if (s.Count is not null) throw Error("a scalar store takes a mask, not a count");
            var skip = _il.DefineLabel();
            if (s.Mask is { } mask)
            {
                if (mask.Type != MType.Bool) throw Error($"mask %{mask.Name} is {mask.Type}, not bool");
                Load(mask);
                _il.Emit(OpCodes.Brfalse, skip);
            }
            if (check) EmitBoundsCheck(access, s.Index, null, 1, length);
            PushAddress(ptr, el, s.Index);
            Load(s.Value);
            StoreIndirect(el);
            _il.MarkLabel(skip);
            return;
        }
        if (s.Mask is not null) throw Error("a vector store takes a count, not a mask");
        if (s.Count is null && el != DataType.Bool)
        {
            if (check) EmitBoundsCheck(access, s.Index, null, t.Lanes, length);
            Load(s.Value);
            PushAddress(ptr, el, s.Index);
            VCall(t, "Store", "V,P");
            return;
        }
        if (s.Count is { } c && c.Type != MType.I64) throw Error($"count %{c.Name} is {c.Type}, not i64");
        if (check) EmitBoundsCheck(access, s.Index, s.Count, t.Lanes, length);
        // LaneOps.StoreLanes(&mem[i], type, &v, vLane, count, lanes)
        PushAddress(ptr, el, s.Index);
        _il.Emit(OpCodes.Ldc_I4, (int)el);
        SpillAddress(s.Value, 0);
        _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
        PushCount(s.Count, t.Lanes);
        _il.Emit(OpCodes.Ldc_I4, t.Lanes);
        Call(typeof(LaneOps), nameof(LaneOps.StoreLanes), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(long), typeof(int));
    }

    private void PushCount(Reg? count, int lanes)
    {
        if (count is null) _il.Emit(OpCodes.Ldc_I8, (long)lanes);
        else Load(count);
    }

    /// <summary>A prefetch is a hint: prefetcht0 where the host has SSE, nothing otherwise. It never faults, so it
    /// needs no bounds check.</summary>
    private void EmitPrefetch(PrefetchStmt p)
    {
        var (ptr, el, _) = Memory(p.Memory, p.Index);
        if (!Sse.IsSupported) return;
        PushAddress(ptr, el, p.Index);
        Call(typeof(Sse), nameof(Sse.Prefetch0), typeof(void*));
    }

    /// <summary>Throws unless [index, index + n) lies in [0, length), where n is the constant <paramref name="lanes"/>
    /// or, with a <paramref name="count"/>, min(count, lanes) (nothing is checked when count ≤ 0).</summary>
    private void EmitBoundsCheck(string access, Reg index, Reg? count, int lanes, long length)
    {
        _checkedAccesses++;
        var ok = _il.DefineLabel();
        var fail = _il.DefineLabel();
        if (count is null)
        {
            if (length >= lanes)
            {
                Load(index);
                _il.Emit(OpCodes.Ldc_I8, length - lanes);
                _il.Emit(OpCodes.Ble_Un, ok);
            }
        }
        else
        {
            var n = Temp(typeof(long), 20);
            Load(count);
            _il.Emit(OpCodes.Ldc_I8, (long)lanes);
            Call(typeof(Math), nameof(Math.Min), typeof(long), typeof(long));
            _il.Emit(OpCodes.Stloc, n);
            _il.Emit(OpCodes.Ldloc, n);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Ble, ok);
            Load(index);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Blt, fail);
            Load(index);
            _il.Emit(OpCodes.Ldc_I8, length);
            _il.Emit(OpCodes.Ldloc, n);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Ble, ok);
        }
        _il.MarkLabel(fail);
        _il.Emit(OpCodes.Ldstr, _kernel.Name);
        _il.Emit(OpCodes.Ldstr, access);
        Load(index);
        if (count is null) _il.Emit(OpCodes.Ldc_I8, (long)lanes);
        else Load(count);
        _il.Emit(OpCodes.Ldc_I8, length);
        Call(typeof(KernelFailure), nameof(KernelFailure.OutOfBounds), typeof(string), typeof(string), typeof(long), typeof(long), typeof(long));
        _il.Emit(OpCodes.Throw);
        _il.MarkLabel(ok);
    }

    private void LoadIndirect(DataType t)
    {
        switch (t)
        {
            case DataType.Float32: _il.Emit(OpCodes.Ldind_R4); break;
            case DataType.Float64: _il.Emit(OpCodes.Ldind_R8); break;
            case DataType.Float16: _il.Emit(OpCodes.Ldobj, typeof(Half)); break;
            case DataType.BFloat16: _il.Emit(OpCodes.Ldobj, typeof(BFloat16)); break;
            case DataType.Int8: _il.Emit(OpCodes.Ldind_I1); break;
            case DataType.UInt8: _il.Emit(OpCodes.Ldind_U1); break;
            case DataType.Int16: _il.Emit(OpCodes.Ldind_I2); break;
            case DataType.UInt16: _il.Emit(OpCodes.Ldind_U2); break;
            case DataType.Int32: _il.Emit(OpCodes.Ldind_I4); break;
            case DataType.UInt32: _il.Emit(OpCodes.Ldind_U4); break;
            case DataType.Int64 or DataType.UInt64: _il.Emit(OpCodes.Ldind_I8); break;
            case DataType.Bool:
                // Any non-zero byte is true; registers hold 0/1.
                _il.Emit(OpCodes.Ldind_U1);
                _il.Emit(OpCodes.Ldc_I4_0);
                _il.Emit(OpCodes.Cgt_Un);
                break;
            default: throw Error($"{t.ShortName()} memory cannot be read natively");
        }
    }

    private void StoreIndirect(DataType t)
    {
        switch (t)
        {
            case DataType.Float32: _il.Emit(OpCodes.Stind_R4); break;
            case DataType.Float64: _il.Emit(OpCodes.Stind_R8); break;
            case DataType.Float16: _il.Emit(OpCodes.Stobj, typeof(Half)); break;
            case DataType.BFloat16: _il.Emit(OpCodes.Stobj, typeof(BFloat16)); break;
            case DataType.Int8 or DataType.UInt8 or DataType.Bool: _il.Emit(OpCodes.Stind_I1); break;
            case DataType.Int16 or DataType.UInt16: _il.Emit(OpCodes.Stind_I2); break;
            case DataType.Int32 or DataType.UInt32: _il.Emit(OpCodes.Stind_I4); break;
            case DataType.Int64 or DataType.UInt64: _il.Emit(OpCodes.Stind_I8); break;
            default: throw Error($"{t.ShortName()} memory cannot be written natively");
        }
    }
}
