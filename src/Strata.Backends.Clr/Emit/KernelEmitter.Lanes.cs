using System.Reflection;
using System.Reflection.Emit;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Conversions: element casts (scalar and lane-wise), scalar → lanes (broadcast) and lanes → scalar
/// (reduce_lanes, folded in lane order as the interpreter does).</summary>
internal sealed partial class KernelEmitter
{
    private void EmitScalarCast(CastStmt c)
    {
        var from = c.X.Type.Element;
        var to = c.Target.Type.Element;
        if (c.Target.Type.IsVector) throw Error($"cast of scalar %{c.X.Name} to vector {c.Target.Type}");
        Load(c.X);
        if (from == to) { }
        else if (from == DataType.Float32 && to == DataType.Float64) _il.Emit(OpCodes.Conv_R8);
        else if (from == DataType.Float64 && to == DataType.Float32) _il.Emit(OpCodes.Conv_R4);
        else if (!ClrTypes.IsFloat(from) && !ClrTypes.IsFloat(to))
        {
            Widen(from);
            if (to == DataType.Bool)
            {
                _il.Emit(OpCodes.Ldc_I8, 0L);
                _il.Emit(OpCodes.Cgt_Un);
            }
            else ConvertFromLong(to);
        }
        else if (!ClrTypes.IsFloat(from) && to is DataType.Float32 or DataType.Float64)
        {
            // Exactly the conversions ScalarSemantics.Cast performs: (float)long, (float)(ulong)…, (double)….
            Widen(from);
            if (from == DataType.UInt64) _il.Emit(OpCodes.Conv_R_Un);
            _il.Emit(to == DataType.Float32 ? OpCodes.Conv_R4 : OpCodes.Conv_R8);
        }
        else if (from is DataType.Float32 or DataType.Float64 && to is DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64)
        {
            // .NET 9+ float → int conversions truncate and saturate, NaN → 0: ScalarSemantics.Cast exactly.
            _il.Emit(to switch
            {
                DataType.Int32 => OpCodes.Conv_I4,
                DataType.Int64 => OpCodes.Conv_I8,
                DataType.UInt32 => OpCodes.Conv_U4,
                _ => OpCodes.Conv_U8,
            });
        }
        else
        {
            _il.Emit(OpCodes.Pop);
            PushWide(c.X);
            _il.Emit(OpCodes.Ldc_I4, (int)from);
            _il.Emit(OpCodes.Ldc_I4, (int)to);
            string name = (ClrTypes.IsFloat(from), ClrTypes.IsFloat(to)) switch
            {
                (true, true) => nameof(ScalarBridge.CastFF),
                (true, false) => nameof(ScalarBridge.CastFI),
                (false, true) => nameof(ScalarBridge.CastIF),
                _ => nameof(ScalarBridge.CastII),
            };
            Call(typeof(ScalarBridge), name, ClrTypes.IsFloat(from) ? typeof(double) : typeof(long), typeof(int), typeof(int));
            Narrow(to);
        }
        Store(c.Target);
    }

    private void EmitVectorCast(CastStmt c)
    {
        var from = c.X.Type;
        var to = c.Target.Type;
        if (to.Lanes != from.Lanes) throw Error($"cast of {from} to {to}: the lane counts differ");
        if (from == to)
        {
            Load(c.X);
        }
        else if (TryFastVectorCast(c.X, to)) { }
        else
        {
            // LaneOps.Cast(from, to, &x, xLane, &r, rLane, lanes)
            _il.Emit(OpCodes.Ldc_I4, (int)from.Element);
            _il.Emit(OpCodes.Ldc_I4, (int)to.Element);
            SpillAddress(c.X, 0);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(from));
            var r = PushResultAddress(to);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(to));
            _il.Emit(OpCodes.Ldc_I4, from.Lanes);
            Call(typeof(LaneOps), nameof(LaneOps.Cast), typeof(int), typeof(int), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(int));
            _il.Emit(OpCodes.Ldloc, r);
        }
        Store(c.Target);
    }

    /// <summary>Same-width conversions whose lane meaning is ScalarSemantics.Cast: int → float (one rounding),
    /// float → int (truncating, saturating, NaN → 0: what .NET 9+ vector conversions do), same-size int ↔ int
    /// (reinterpretation = wrapping), x → bool (x != 0) and bool → x (0/1).</summary>
    private bool TryFastVectorCast(Reg x, MType to)
    {
        var from = x.Type;
        if (LaneBytes(from) != LaneBytes(to)) return false;
        var f = from.Element;
        var t = to.Element;
        if (t == DataType.Bool)
        {
            if (!IsNumericLane(f)) return false;
            Load(x);
            _il.Emit(OpCodes.Call, VType(from).GetProperty("Zero")!.GetGetMethod()!);
            VCall(from, "Equals", "V,V");
            VCall(from, "OnesComplement", "V");
            EmitAs(from, to);
            return true;
        }
        if (f == DataType.Bool)
        {
            if (!IsNumericLane(t)) return false;
            Load(x);
            EmitAs(from, to);
            _il.Emit(OpCodes.Call, VType(to).GetProperty("One")!.GetGetMethod()!);
            _il.Emit(OpCodes.Call, VType(to).GetProperty("Zero")!.GetGetMethod()!);
            VCall(to, "ConditionalSelect", "V,V,V");
            return true;
        }
        string? name = (f, t) switch
        {
            (DataType.Int32 or DataType.UInt32, DataType.Float32) => "ConvertToSingle",
            (DataType.Int64 or DataType.UInt64, DataType.Float64) => "ConvertToDouble",
            (DataType.Float32, DataType.Int32) => "ConvertToInt32",
            (DataType.Float32, DataType.UInt32) => "ConvertToUInt32",
            (DataType.Float64, DataType.Int64) => "ConvertToInt64",
            (DataType.Float64, DataType.UInt64) => "ConvertToUInt64",
            (DataType.Int32, DataType.UInt32) or (DataType.UInt32, DataType.Int32)
                or (DataType.Int64, DataType.UInt64) or (DataType.UInt64, DataType.Int64) => "As",
            _ => null,
        };
        if (name is null) return false;
        if (name == "As")
        {
            Load(x);
            EmitAs(from, to);
            return true;
        }
        if (Reflect.TryMethod(VClass(from), name, VType(from)) is not { } convert) return false;
        Load(x);
        _il.Emit(OpCodes.Call, convert);
        return true;
    }

    private void EmitBroadcast(BroadcastStmt b)
    {
        var t = b.Target.Type;
        if (b.Source.Type.IsVector || b.Source.Type.Element != t.Element || !t.IsVector)
            throw Error($"broadcast of %{b.Source.Name} ({b.Source.Type}) to {t}");
        Load(b.Source);
        if (t.Element == DataType.Bool)
        {
            // 0/1 → 0 / all ones.
            _il.Emit(LaneBytes(t) == 4 ? OpCodes.Conv_U4 : OpCodes.Conv_U8);
            _il.Emit(OpCodes.Neg);
        }
        VCall(t, "Create", "T");
        Store(b.Target);
    }

    private void EmitReduceLanes(ReduceLanesStmt r)
    {
        var t = r.Vector.Type;
        if (!t.IsVector || r.Target.Type != t.ScalarType) throw Error($"reduce_lanes of {t} into {r.Target.Type}");
        if (r.Op.Step() is null) throw Error($"reduce_lanes {r.Op.Name()}: only sum, prod, max, min, maxnative");
        if (IsNumericLane(t.Element))
        {
            int bits = t.Lanes * LaneBytes(t) * 8;
            var fold = typeof(LaneReduce).GetMethod(r.Op.ToString() + bits)!.MakeGenericMethod(LaneType(t));
            Load(r.Vector);
            _il.Emit(OpCodes.Call, fold);
            Store(r.Target);
            return;
        }
        // LaneOps.Reduce(op, type, &v, lane, &r, lanes)
        _il.Emit(OpCodes.Ldc_I4, (int)r.Op);
        _il.Emit(OpCodes.Ldc_I4, (int)t.Element);
        SpillAddress(r.Vector, 0);
        _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
        var result = PushResultAddress(r.Target.Type);
        _il.Emit(OpCodes.Ldc_I4, t.Lanes);
        Call(typeof(LaneOps), nameof(LaneOps.Reduce), typeof(int), typeof(int), typeof(nint), typeof(int), typeof(nint), typeof(int));
        _il.Emit(OpCodes.Ldloc, result);
        Store(r.Target);
    }
}
