using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;

namespace Strata.Backends.Clr.Emit;

/// <summary>Loads and stores limited by a count (no from), emitted inline as <c>Avx512F.MaskLoad/MaskStore</c> under the
/// mask <c>iota &lt; min(count, lanes)</c> (128 and 256 bits: <c>Avx512F.VL</c>, where the host has it), with the same
/// meaning as <see cref="MaskedLanes"/>' Load512/Load256/… and Store… (nothing touched when count ≤ 0). Why not the
/// helper: it reaches the kernel only through RyuJIT's inliner, which refuses every inline once the method has 512
/// locals, and a big kernel's tails then made hundreds of real calls (see PlatformOps); ISA methods are expanded by
/// the importer. A call in a micro-kernel's K loop also spills every vector register around it (SysV saves none):
/// resnet50's 1×1 512→2048 conv on 7×7 with 256-bit vectors (49 columns: a 17-wide tail tile, its last vector a
/// 1-lane masked load per K step) ran 2.9× slower than with 512-bit ones until its 256-bit moves were inlined too.
/// The compare is done in the lane type (lane numbers and counts up to 16 are exact in f32), so no reinterpretation
/// is needed.
/// <para>A count of at least the lane count takes a plain move behind one compare and branch: a row mask makes most
/// counts full (<c>select(row &lt; rows, lanes, 0)</c>: every vector of a row inside the tensor), and building the mask
/// (clamp, convert, broadcast, compare) cost about ten instructions per vector. Measured with two sessions in one
/// process, both creation orders, 1 thread: LayerNorm [197, 768] 1.27, Softmax [12, 197, 197] 1.21 and [8, 77, 77]
/// 1.19 times as fast; matmuls and convs with edge tiles within ±2.5%.</para></summary>
internal sealed partial class KernelEmitter
{
    private const int CountSlot = 20, MaskedSlot = 21;

    private sealed record MaskedOps(Type Vector, FieldInfo Indices, MethodInfo Create, MethodInfo Compare, MethodInfo MaskLoad,
        MethodInfo MaskStore, OpCode? Convert);

    /// <summary>The inline masked moves of a 512-bit vector (AVX-512F) or a 128/256-bit one (AVX-512VL), else null.</summary>
    private static MaskedOps? InlineMasked(MType t, DataType el)
    {
        int bits = t.IsVector ? t.Lanes * ClrTypes.Size(el) * 8 : 0;
        bool has = bits == 512 ? Avx512F.IsSupported : bits is 256 or 128 && Avx512F.VL.IsSupported;
        return has ? MaskedOpsOf.GetOrAdd((el, bits), MakeMaskedOps) : null;
    }

    /// <summary>The methods per lane type and width, found once (reflection per masked move would dominate emit time).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(DataType, int), MaskedOps?> MaskedOpsOf = new();

    private static MaskedOps? MakeMaskedOps((DataType, int) key)
    {
        var (el, bits) = key;
        var (lane, field, convert) = el switch
        {
            DataType.Float32 => (typeof(float), nameof(LaneIndices.Single), (OpCode?)OpCodes.Conv_R4),
            DataType.Float64 => (typeof(double), nameof(LaneIndices.Double), OpCodes.Conv_R8),
            DataType.Int32 => (typeof(int), nameof(LaneIndices.Int32), OpCodes.Conv_I4),
            DataType.UInt32 => (typeof(uint), nameof(LaneIndices.UInt32), OpCodes.Conv_U4),
            DataType.Int64 => (typeof(long), nameof(LaneIndices.Int64), null),
            DataType.UInt64 => (typeof(ulong), nameof(LaneIndices.UInt64), null),
            _ => (null, "", null),
        };
        if (lane is null) return null;
        RuntimeHelpers.RunClassConstructor(typeof(LaneIndices).TypeHandle);
        var (open, statics, isa, suffix) = bits switch
        {
            512 => (typeof(Vector512<>), typeof(Vector512), typeof(Avx512F), ""),
            256 => (typeof(Vector256<>), typeof(Vector256), typeof(Avx512F.VL), "256"),
            _ => (typeof(Vector128<>), typeof(Vector128), typeof(Avx512F.VL), "128"),
        };
        var v = open.MakeGenericType(lane);
        var p = lane.MakePointerType();
        var create = Reflect.TryMethod(statics, "Create", lane);
        var compare = Reflect.TryMethod(isa, "CompareLessThan", v, v);
        var load = Reflect.TryMethod(isa, "MaskLoad", p, v, v);
        var store = Reflect.TryMethod(isa, "MaskStore", p, v, v);
        if (create is null || compare is null || load is null || store is null || typeof(LaneIndices).GetField(field + suffix) is not { } iota)
            return null;
        return new MaskedOps(v, iota, create, compare, load, store, convert);
    }

    /// <summary>Pushes the lane mask for the count in <paramref name="count"/> (known to be in 1 … lanes − 1).</summary>
    private void EmitCountMask(MaskedOps ops, LocalBuilder count)
    {
        _il.Emit(OpCodes.Ldsfld, ops.Indices);
        _il.Emit(OpCodes.Ldloc, count);
        if (ops.Convert is { } c) _il.Emit(c);
        _il.Emit(OpCodes.Call, ops.Create);
        _il.Emit(OpCodes.Call, ops.Compare);
    }

    private bool TryEmitInlineMaskedLoad(LoadStmt l, LocalBuilder ptr, DataType el)
    {
        var t = l.Target.Type;
        if (l.From is not null || l.Count is not { } count || InlineMasked(t, el) is not { } ops) return false;
        var n = Temp(typeof(long), CountSlot);
        var r = Temp(ops.Vector, MaskedSlot);
        var done = _il.DefineLabel();
        EmitVectorConst(t, l.Other ?? default);
        _il.Emit(OpCodes.Stloc, r);
        Load(count);
        _il.Emit(OpCodes.Stloc, n);
        var masked = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldc_I8, (long)t.Lanes);
        _il.Emit(OpCodes.Blt, masked);
        PushAddress(ptr, el, l.Index);
        VCall(t, "Load", "P");
        _il.Emit(OpCodes.Stloc, r);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(masked);
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Ble, done);
        PushAddress(ptr, el, l.Index);
        EmitCountMask(ops, n);
        _il.Emit(OpCodes.Ldloc, r);
        _il.Emit(OpCodes.Call, ops.MaskLoad);
        _il.Emit(OpCodes.Stloc, r);
        _il.MarkLabel(done);
        _il.Emit(OpCodes.Ldloc, r);
        Store(l.Target);
        return true;
    }

    private bool TryEmitInlineMaskedStore(StoreStmt s, LocalBuilder ptr, DataType el)
    {
        var t = s.Value.Type;
        if (s.From is not null || s.Count is not { } count || InlineMasked(t, el) is not { } ops) return false;
        var n = Temp(typeof(long), CountSlot);
        var done = _il.DefineLabel();
        Load(count);
        _il.Emit(OpCodes.Stloc, n);
        var masked = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldc_I8, (long)t.Lanes);
        _il.Emit(OpCodes.Blt, masked);
        EmitWholeVectorStore(s, ptr, el);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(masked);
        _il.Emit(OpCodes.Ldloc, n);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Ble, done);
        PushAddress(ptr, el, s.Index);
        EmitCountMask(ops, n);
        Load(s.Value);
        _il.Emit(OpCodes.Call, ops.MaskStore);
        _il.MarkLabel(done);
        return true;
    }
}
