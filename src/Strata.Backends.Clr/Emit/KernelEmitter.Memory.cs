using System.Reflection.Emit;
using System.Runtime.Intrinsics.X86;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Loads, stores, prefetches and their bounds checks. Addresses are base + index × element size; full
/// vectors use <c>VectorN.Load/Store(T*)</c>, lane-limited vectors (from/count) x86 masked moves
/// (<see cref="MaskedLanes"/>) and the rest (bool vectors, hosts without AVX2) copy lane by lane (<see cref="LaneOps"/>),
/// so nothing outside [from, count) is read or written. From and count outside 0..lanes are clamped into it
/// (count negative: no lane; beyond: every lane), as the Machine interpreter defines. A checked access compares the index
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
            if (check) EmitBoundsCheck(access, l.Index, null, null, 1, length);
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
        if (l.Mask is not null) throw Error("a vector load takes a from and a count, not a mask");
        if (l.Stride != 1)
        {
            EmitStridedLoad(l, ptr, el, length, check, access);
            return;
        }
        if (l.Count is null && l.From is null && el != DataType.Bool)
        {
            if (check) EmitBoundsCheck(access, l.Index, null, null, t.Lanes, length);
            PushAddress(ptr, el, l.Index);
            VCall(t, "Load", "P");
            Store(l.Target);
            return;
        }
        CheckLimits(l.From, l.Count);
        if (check) EmitBoundsCheck(access, l.Index, l.From, l.Count, t.Lanes, length);
        if (TryEmitConstantMaskedLoad(l, ptr, el) || TryEmitInlineMaskedLoad(l, ptr, el)) return;
        if (MaskedMethod("Load", t, l.From is not null) is { } masked)
        {
            PushAddress(ptr, el, l.Index);
            if (l.From is { } f) Load(f);
            PushCount(l.Count, t.Lanes);
            EmitVectorConst(t, l.Other ?? default);
            _il.Emit(OpCodes.Call, masked);
            Store(l.Target);
            return;
        }
        EmitLoadLanes(l, ptr, el);
    }

    /// <summary>A vector load lane by lane into a temp holding <c>other</c> splatted, where no vector instruction fits:
    /// <c>LaneOps.LoadLanes(&amp;mem[i], type, &amp;r, rLane, from, count, lanes)</c>, or <c>LoadStridedLanes</c> with
    /// the stride last for a strided load.</summary>
    private void EmitLoadLanes(LoadStmt l, LocalBuilder ptr, DataType el)
    {
        var t = l.Target.Type;
        var temp = Temp(VType(t), ResultSlot);
        EmitVectorConst(t, l.Other ?? default);
        _il.Emit(OpCodes.Stloc, temp);
        PushAddress(ptr, el, l.Index);
        _il.Emit(OpCodes.Ldc_I4, (int)el);
        _il.Emit(OpCodes.Ldloca, temp);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
        PushFrom(l.From);
        PushCount(l.Count, t.Lanes);
        _il.Emit(OpCodes.Ldc_I4, t.Lanes);
        if (l.Stride == 1)
            Call(typeof(LaneOps), nameof(LaneOps.LoadLanes), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(long), typeof(long), typeof(int));
        else
        {
            _il.Emit(OpCodes.Ldc_I8, l.Stride);
            Call(typeof(LaneOps), nameof(LaneOps.LoadStridedLanes), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(long), typeof(long), typeof(int), typeof(long));
        }
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
            if (check) EmitBoundsCheck(access, s.Index, null, null, 1, length);
            PushAddress(ptr, el, s.Index);
            Load(s.Value);
            StoreIndirect(el);
            _il.MarkLabel(skip);
            return;
        }
        if (s.Mask is not null) throw Error("a vector store takes a from and a count, not a mask");
        if (s.Stride != 1)
        {
            EmitStridedStore(s, ptr, el, length, check, access);
            return;
        }
        if (s.Count is null && s.From is null && el != DataType.Bool)
        {
            if (check) EmitBoundsCheck(access, s.Index, null, null, t.Lanes, length);
            EmitWholeVectorStore(s, ptr, el);
            return;
        }
        CheckLimits(s.From, s.Count);
        if (check) EmitBoundsCheck(access, s.Index, s.From, s.Count, t.Lanes, length);
        if (TryEmitConstantMaskedStore(s, ptr, el) || TryEmitInlineMaskedStore(s, ptr, el)) return;
        if (MaskedMethod("Store", t, s.From is not null) is { } masked)
        {
            PushAddress(ptr, el, s.Index);
            if (s.From is { } f) Load(f);
            PushCount(s.Count, t.Lanes);
            Load(s.Value);
            _il.Emit(OpCodes.Call, masked);
            return;
        }
        EmitStoreLanes(s, ptr, el);
    }

    /// <summary>A store of every lane of the vector.</summary>
    private void EmitWholeVectorStore(StoreStmt s, LocalBuilder ptr, DataType el)
    {
        var t = s.Value.Type;
        if (PlatformOps.Find(t.Lanes * LaneBytes(t), "Store", LaneType(t)) is { } store)
        {
            // The ISA's Store takes the address first.
            PushAddress(ptr, el, s.Index);
            Load(s.Value);
            _il.Emit(OpCodes.Call, store);
            return;
        }
        Load(s.Value);
        PushAddress(ptr, el, s.Index);
        VCall(t, "Store", "V,P");
    }

    /// <summary>A vector store lane by lane where no vector instruction fits: <c>LaneOps.StoreLanes(&amp;mem[i], type,
    /// &amp;v, vLane, from, count, lanes)</c>, or <c>StoreStridedLanes</c> with the stride last for a strided store.</summary>
    private void EmitStoreLanes(StoreStmt s, LocalBuilder ptr, DataType el)
    {
        var t = s.Value.Type;
        PushAddress(ptr, el, s.Index);
        _il.Emit(OpCodes.Ldc_I4, (int)el);
        SpillAddress(s.Value, 0);
        _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
        PushFrom(s.From);
        PushCount(s.Count, t.Lanes);
        _il.Emit(OpCodes.Ldc_I4, t.Lanes);
        if (s.Stride == 1)
            Call(typeof(LaneOps), nameof(LaneOps.StoreLanes), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(long), typeof(long), typeof(int));
        else
        {
            _il.Emit(OpCodes.Ldc_I8, s.Stride);
            Call(typeof(LaneOps), nameof(LaneOps.StoreStridedLanes), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(long), typeof(long), typeof(int), typeof(long));
        }
    }

    private void CheckLimits(Reg? from, Reg? count)
    {
        if (from is { } f && f.Type != MType.I64) throw Error($"from %{f.Name} is {f.Type}, not i64");
        if (count is { } c && c.Type != MType.I64) throw Error($"count %{c.Name} is {c.Type}, not i64");
    }

    /// <summary><see cref="MaskedLanes"/>' masked move (<c>Load256</c>, <c>StoreRange512</c>, …) for a vector of
    /// f32/f64/i32/i64/u32/u64 of 128 or 256 bits on a host with AVX2, 512 bits with AVX-512F; or null (then the lanes
    /// are copied one by one).</summary>
    private System.Reflection.MethodInfo? MaskedMethod(string name, MType t, bool ranged)
    {
        if (t.Element is not (DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64))
            return null;
        int bits = t.Lanes * LaneBytes(t) * 8;
        bool host = bits switch { 128 or 256 => Avx2.IsSupported, 512 => Avx512F.IsSupported, _ => false };
        if (!host) return null;
        var open = typeof(MaskedLanes).GetMethod($"{name}{(ranged ? "Range" : "")}{bits}")
            ?? throw Error($"MaskedLanes.{name}{bits} is missing");
        return open.MakeGenericMethod(ClrTypes.Element(t.Element));
    }

    private void PushFrom(Reg? from)
    {
        if (from is null) _il.Emit(OpCodes.Ldc_I8, 0L);
        else Load(from);
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

    /// <summary>Throws unless the lanes an access touches lie in [0, length): [index, index + lanes), or with a
    /// from and/or count [index + max(from, 0), index + min(count, lanes)) (nothing is checked when that is empty).</summary>
    private void EmitBoundsCheck(string access, Reg index, Reg? from, Reg? count, int lanes, long length)
    {
        _checkedAccesses++;
        var ok = _il.DefineLabel();
        var fail = _il.DefineLabel();
        if (count is null && from is null)
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
            var f = Temp(typeof(long), 21);
            PushCount(count, lanes);
            _il.Emit(OpCodes.Ldc_I8, (long)lanes);
            Call(typeof(Math), nameof(Math.Min), typeof(long), typeof(long));
            _il.Emit(OpCodes.Stloc, n);
            PushFrom(from);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            Call(typeof(Math), nameof(Math.Max), typeof(long), typeof(long));
            _il.Emit(OpCodes.Stloc, f);
            _il.Emit(OpCodes.Ldloc, n);
            _il.Emit(OpCodes.Ldloc, f);
            _il.Emit(OpCodes.Ble, ok);
            Load(index);
            _il.Emit(OpCodes.Ldloc, f);
            _il.Emit(OpCodes.Add);
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
