using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Intrinsics.X86;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;

namespace Strata.Backends.Clr.Emit;

/// <summary>Vector loads of lane stride s ≥ 2 (lane l reads element index + l·s). Stride 2 is two contiguous loads and
/// a deinterleaving permute (<see cref="MaskedLanes"/>' <c>LoadStride2…</c>); other strides gather (AVX2, 256 and
/// 512 bits); the rest (bool, 1- and 2-byte lanes, hosts without the instructions, huge strides) copy lane by lane.
/// Only the active lanes' elements are read, so a bounds check covers [index + from·s, index + (count - 1)·s].
/// A 3×3/2 max pool's time goes to these loads and permutes, 12 loads and 9 two-source permutes per output vector:
/// its 8 IEEE maxima (vrangeps and two vfixupimmps each) cost nothing measurable (MaxNative instead: 98 against 99 µs
/// on 192×65×65). ONNX Runtime's blocked layout (16 channels a vector) needs no permute: inception_v2's 5 max pools take it
/// 0.27 ms, Strata 0.59.</summary>
internal sealed partial class KernelEmitter
{
    private void EmitStridedLoad(LoadStmt l, LocalBuilder ptr, DataType el, long length, bool check, string access)
    {
        var t = l.Target.Type;
        long s = l.Stride;
        if (s < 2) throw Error($"a lane stride is at least 2, not {s}");
        CheckLimits(l.From, l.Count);
        if (check) EmitStridedBoundsCheck(access, l.Index, l.From, l.Count, t.Lanes, s, length);
        bool ranged = l.From is not null || l.Count is not null;
        var method = StridedMethod(t, s, ranged);
        if (method is not null)
        {
            PushAddress(ptr, el, l.Index);
            if (s != 2) _il.Emit(OpCodes.Ldc_I8, s);
            if (ranged || s != 2)
            {
                PushFrom(l.From);
                PushCount(l.Count, t.Lanes);
                EmitVectorConst(t, l.Other ?? default);
            }
            _il.Emit(OpCodes.Call, method);
            Store(l.Target);
            return;
        }
        EmitLoadLanes(l, ptr, el);
    }

    /// <summary>A vector store of lane stride s ≥ 2: <see cref="MaskedLanes"/>' <c>StoreStrided128/256/512</c> (a
    /// scalar store per lane, extracted from the register) for 4- and 8-byte lanes, <c>StoreStridedRange…</c> with a lane
    /// range; lane by lane through memory otherwise (bool, 1- and 2-byte lanes).</summary>
    private void EmitStridedStore(StoreStmt st, LocalBuilder ptr, DataType el, long length, bool check, string access)
    {
        var t = st.Value.Type;
        long s = st.Stride;
        if (s < 2) throw Error($"a lane stride is at least 2, not {s}");
        CheckLimits(st.From, st.Count);
        if (check) EmitStridedBoundsCheck(access, st.Index, st.From, st.Count, t.Lanes, s, length);
        bool ranged = st.From is not null || st.Count is not null;
        int bits = t.Lanes * LaneBytes(t) * 8;
        if (t.Element is DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64
            && bits is 128 or 256 or 512 && s * t.Lanes < long.MaxValue / 16)
        {
            string name = $"StoreStrided{(ranged ? "Range" : "")}{bits}";
            var open = typeof(MaskedLanes).GetMethod(name) ?? throw Error($"MaskedLanes.{name} is missing");
            PushAddress(ptr, el, st.Index);
            _il.Emit(OpCodes.Ldc_I8, s);
            if (ranged)
            {
                PushFrom(st.From);
                PushCount(st.Count, t.Lanes);
            }
            Load(st.Value);
            _il.Emit(OpCodes.Call, open.MakeGenericMethod(ClrTypes.Element(t.Element)));
            return;
        }
        EmitStoreLanes(st, ptr, el);
    }

    /// <summary>The <see cref="MaskedLanes"/> strided load for a 4- or 8-byte numeric vector of 128/256/512 bits, or null:
    /// stride 2 full (<c>LoadStride2x512</c>: SSE2 is enough at 128 bits) or ranged (<c>LoadStride2Range512</c>: needs
    /// the masked moves); other strides gather (<c>LoadStridedRange256/512</c>, 256 and 512 bits only).</summary>
    private MethodInfo? StridedMethod(MType t, long stride, bool ranged)
    {
        if (t.Element is not (DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64))
            return null;
        int bits = t.Lanes * LaneBytes(t) * 8;
        bool masked = bits switch { 128 or 256 => Avx2.IsSupported, 512 => Avx512F.IsSupported, _ => false };
        string? name = null;
        if (stride == 2)
        {
            if (bits == 512 && Avx512F.IsSupported) name = $"Stride2{(ranged ? "Range" : "Load")}512B{LaneBytes(t)}";
            else if (!ranged && bits switch { 128 => Sse2.IsSupported, 256 => Avx2.IsSupported, _ => false })
                name = $"LoadStride2x{bits}";
            else if (masked) name = $"LoadStride2Range{bits}";
        }
        else if (masked && bits is 256 or 512 && stride * t.Lanes < int.MaxValue / 8)
            name = $"LoadStridedRange{bits}";
        if (name is null) return null;
        var open = typeof(MaskedLanes).GetMethod(name) ?? throw Error($"MaskedLanes.{name} is missing");
        return open.MakeGenericMethod(ClrTypes.Element(t.Element));
    }

    /// <summary>Throws unless the elements a strided access reads lie in [0, length): index + l·stride for the lanes
    /// max(from, 0) ≤ l &lt; min(count, lanes) (nothing is checked when that is empty).</summary>
    private void EmitStridedBoundsCheck(string access, Reg index, Reg? from, Reg? count, int lanes, long stride, long length)
    {
        _checkedAccesses++;
        var ok = _il.DefineLabel();
        var fail = _il.DefineLabel();
        var n = Temp(typeof(long), 20);
        var f = Temp(typeof(long), 21);
        // n = min(count, lanes), f = max(from, 0) as compares, not Math calls: a kernel with many strided loads must
        // not spend RyuJIT's inline budget on them.
        var nDone = _il.DefineLabel();
        var fDone = _il.DefineLabel();
        PushCount(count, lanes);
        _il.Emit(OpCodes.Stloc, n);
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldc_I8, (long)lanes);
        _il.Emit(OpCodes.Ble, nDone);
        _il.Emit(OpCodes.Ldc_I8, (long)lanes);
        _il.Emit(OpCodes.Stloc, n);
        _il.MarkLabel(nDone);
        PushFrom(from);
        _il.Emit(OpCodes.Stloc, f);
        _il.Emit(OpCodes.Ldloc, f);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Bge, fDone);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Stloc, f);
        _il.MarkLabel(fDone);
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldloc, f);
        _il.Emit(OpCodes.Ble, ok);
        // |index| < 2^62 first, so index + l·s (l·s ≤ lanes·stride) cannot wrap: (ulong)(index + 2^62) < 2^63.
        Load(index);
        _il.Emit(OpCodes.Ldc_I8, 1L << 62);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldc_I8, long.MinValue);
        _il.Emit(OpCodes.Bge_Un, fail);
        // first = index + f·s ≥ 0
        Load(index);
        _il.Emit(OpCodes.Ldloc, f);
        _il.Emit(OpCodes.Ldc_I8, stride);
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Blt, fail);
        // last = index + (n - 1)·s < length
        Load(index);
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldc_I8, 1L);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Ldc_I8, stride);
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldc_I8, length);
        _il.Emit(OpCodes.Blt, ok);
        _il.MarkLabel(fail);
        _il.Emit(OpCodes.Ldstr, _kernel.Name);
        _il.Emit(OpCodes.Ldstr, access + $" (lane stride {stride})");
        Load(index);
        PushCount(count, lanes);
        _il.Emit(OpCodes.Ldc_I8, length);
        Call(typeof(KernelFailure), nameof(KernelFailure.OutOfBounds), typeof(string), typeof(string), typeof(long), typeof(long), typeof(long));
        _il.Emit(OpCodes.Throw);
        _il.MarkLabel(ok);
    }
}
