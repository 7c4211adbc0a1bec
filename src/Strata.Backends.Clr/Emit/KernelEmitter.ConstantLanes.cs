using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Intrinsics;
using Strata.Core;
using Strata.Machine;

namespace Strata.Backends.Clr.Emit;

/// <summary>Loads and stores whose lane range has a constant from and count: a padded window's edge vectors,
/// which the Machine level writes out at constant starts (KernelLowerer.Edges, rows clear of the padding), and a
/// block's constant tail. The range is known when the kernel is emitted, so the move is nothing (an empty range; a
/// load is then its <c>other</c>), a plain move (every lane), or <c>MaskLoad</c>/<c>MaskStore</c> under a constant
/// mask. Otherwise each such move clamped its from and count and built its mask at run time, with branches
/// (KernelEmitter.MaskedInline, MaskedLanes): a 3×3 pool over 28-wide rows has an edge at both ends of every vector
/// and ran about 15 instructions per load.</summary>
internal sealed partial class KernelEmitter
{
    private bool TryEmitConstantMaskedLoad(LoadStmt l, LocalBuilder ptr, DataType el)
    {
        var t = l.Target.Type;
        if (!ConstantRange(l.From, l.Count, t.Lanes, out int from, out int count) || InlineMasked(t, el) is not { } ops) return false;
        if (count <= from)
            EmitVectorConst(t, l.Other ?? default);
        else if (from == 0 && count == t.Lanes)
        {
            PushAddress(ptr, el, l.Index);
            VCall(t, "Load", "P");
        }
        else
        {
            PushAddress(ptr, el, l.Index);
            EmitConstantMask(ops, from, count, t.Lanes);
            EmitVectorConst(t, l.Other ?? default);
            _il.Emit(OpCodes.Call, ops.MaskLoad);
        }
        Store(l.Target);
        return true;
    }

    private bool TryEmitConstantMaskedStore(StoreStmt s, LocalBuilder ptr, DataType el)
    {
        var t = s.Value.Type;
        if (!ConstantRange(s.From, s.Count, t.Lanes, out int from, out int count) || InlineMasked(t, el) is not { } ops) return false;
        if (count <= from) return true;
        if (from == 0 && count == t.Lanes)
        {
            EmitWholeVectorStore(s, ptr, el);
            return true;
        }
        PushAddress(ptr, el, s.Index);
        EmitConstantMask(ops, from, count, t.Lanes);
        Load(s.Value);
        _il.Emit(OpCodes.Call, ops.MaskStore);
        return true;
    }

    /// <summary>Whether the access's from and count (each absent or a constant register) are known: then the lanes
    /// <paramref name="from"/> ≤ l &lt; <paramref name="count"/>, both clamped to [0, lanes].</summary>
    private bool ConstantRange(Reg? fromReg, Reg? countReg, int lanes, out int from, out int count)
    {
        long? f = fromReg is null ? 0 : ConstantOf(fromReg)?.I, c = countReg is null ? lanes : ConstantOf(countReg)?.I;
        from = (int)Math.Clamp(f ?? 0, 0, lanes);
        count = (int)Math.Clamp(c ?? 0, 0, lanes);
        return f is not null && c is not null;
    }

    /// <summary>Pushes the mask of lanes [from, count) as a constant vector of the move's lane type (all bits set in
    /// the lanes of the range): <c>VectorN.Create</c> of constants, which RyuJIT folds to one constant.</summary>
    private void EmitConstantMask(MaskedOps ops, int from, int count, int lanes)
    {
        var lane = ops.Vector.GetGenericArguments()[0];
        bool wide = System.Runtime.InteropServices.Marshal.SizeOf(lane) == 8;
        var bits = wide ? typeof(long) : typeof(int);
        for (int i = 0; i < lanes; i++)
        {
            bool on = i >= from && i < count;
            if (wide) _il.Emit(OpCodes.Ldc_I8, on ? -1L : 0L);
            else _il.Emit(OpCodes.Ldc_I4, on ? -1 : 0);
        }
        var statics = ops.Vector.GetGenericTypeDefinition() == typeof(Vector512<>) ? typeof(Vector512)
            : ops.Vector.GetGenericTypeDefinition() == typeof(Vector256<>) ? typeof(Vector256) : typeof(Vector128);
        var create = Reflect.TryMethod(statics, "Create", [.. Enumerable.Repeat(bits, lanes)])
            ?? throw Error($"{statics.Name}.Create of {lanes} × {bits.Name} is missing");
        _il.Emit(OpCodes.Call, create);
        if (lane != bits)
            _il.Emit(OpCodes.Call, AsMethods.GetOrAdd(statics, s => s.GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Single(m => m.Name == "As" && m.GetGenericArguments().Length == 2)).MakeGenericMethod(bits, lane));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, MethodInfo> AsMethods = new();
}
