using System.Reflection;
using System.Reflection.Emit;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>How register values are made and moved on the IL stack: constants (vector constants are splats), widening
/// to and narrowing from the bridge's double/long, truncation to small integer types, the vector type of a register,
/// reinterpretation between value and mask lanes, and the result temp of the fallback helpers.</summary>
internal sealed partial class KernelEmitter
{
    /// <summary>Pushes a constant of a register's type (vectors: the splat).</summary>
    private void EmitConst(Reg target, Scalar v)
    {
        var t = target.Type;
        if (t.IsVector)
        {
            EmitVectorConst(t, v);
            return;
        }
        EmitScalarConst(t.Element, v);
    }

    private void EmitScalarConst(DataType t, Scalar v)
    {
        switch (t)
        {
            case DataType.Float32: _il.Emit(OpCodes.Ldc_R4, (float)v.F); break;
            case DataType.Float64: _il.Emit(OpCodes.Ldc_R8, v.F); break;
            case DataType.Float16: _il.Emit(OpCodes.Ldc_R8, v.F); Call(typeof(ScalarBridge), nameof(ScalarBridge.DoubleToHalf), typeof(double)); break;
            case DataType.BFloat16: _il.Emit(OpCodes.Ldc_R8, v.F); Call(typeof(ScalarBridge), nameof(ScalarBridge.DoubleToBFloat16), typeof(double)); break;
            case DataType.Int64 or DataType.UInt64: _il.Emit(OpCodes.Ldc_I8, v.I); break;
            case DataType.Bool: _il.Emit(OpCodes.Ldc_I4, v.I != 0 ? 1 : 0); break;
            default: _il.Emit(OpCodes.Ldc_I4, (int)ScalarSemantics.WrapInt(v.I, t)); ConvertFromInt(t); break;
        }
    }

    private void EmitVectorConst(MType t, Scalar v)
    {
        if (t.Element == DataType.Bool)
        {
            _il.Emit(OpCodes.Call, VType(t).GetProperty(v.I != 0 ? "AllBitsSet" : "Zero")!.GetGetMethod()!);
            return;
        }
        EmitScalarConst(t.Element, v);
        VCall(t, "Create", "T");
    }

    /// <summary>Pushes a scalar register widened to the bridge's representation: double for floats, long otherwise.</summary>
    private void PushWide(Reg r)
    {
        Load(r);
        Widen(r.Type.Element);
    }

    private void Widen(DataType t)
    {
        switch (t)
        {
            case DataType.Float32: _il.Emit(OpCodes.Conv_R8); break;
            case DataType.Float64: break;
            case DataType.Float16: Call(typeof(ScalarBridge), nameof(ScalarBridge.HalfToDouble), typeof(Half)); break;
            case DataType.BFloat16: Call(typeof(ScalarBridge), nameof(ScalarBridge.BFloat16ToDouble), typeof(BFloat16)); break;
            case DataType.Int8 or DataType.Int16 or DataType.Int32: _il.Emit(OpCodes.Conv_I8); break;
            case DataType.Int64 or DataType.UInt64: break;
            default: _il.Emit(OpCodes.Conv_U8); break; // u8, u16, u32, bool: zero-extend
        }
    }

    /// <summary>Narrows a double or long on the stack (already rounded/wrapped by ScalarSemantics) to a type.</summary>
    private void Narrow(DataType t)
    {
        switch (t)
        {
            case DataType.Float32: _il.Emit(OpCodes.Conv_R4); break;
            case DataType.Float64: break;
            case DataType.Float16: Call(typeof(ScalarBridge), nameof(ScalarBridge.DoubleToHalf), typeof(double)); break;
            case DataType.BFloat16: Call(typeof(ScalarBridge), nameof(ScalarBridge.DoubleToBFloat16), typeof(double)); break;
            default: ConvertFromLong(t); break;
        }
    }

    private void ConvertFromLong(DataType t)
    {
        if (t is DataType.Int64 or DataType.UInt64) return;
        ConvertFromInt(t);
    }

    /// <summary>Truncates an int32/int64 on the stack to a small integer type (bool values are already 0/1).</summary>
    private void ConvertFromInt(DataType t)
    {
        switch (t)
        {
            case DataType.Int8: _il.Emit(OpCodes.Conv_I1); break;
            case DataType.UInt8 or DataType.Bool: _il.Emit(OpCodes.Conv_U1); break;
            case DataType.Int16: _il.Emit(OpCodes.Conv_I2); break;
            case DataType.UInt16: _il.Emit(OpCodes.Conv_U2); break;
            case DataType.Int32: _il.Emit(OpCodes.Conv_I4); break;
            case DataType.UInt32: _il.Emit(OpCodes.Conv_U4); break;
            case DataType.Int64 or DataType.UInt64: _il.Emit(OpCodes.Conv_I8); break;
        }
    }

    private const int ResultSlot = 9;

    private Type VClass(MType t) => ClrTypes.VectorClass(t, _target);
    private Type VType(MType t) => ClrTypes.Of(t, _target);
    private Type LaneType(MType t) => ClrTypes.Lane(t, _target);
    private int LaneBytes(MType t) => ClrTypes.LaneBytes(t, _target);

    private static bool IsNumericLane(DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64
        or DataType.UInt32 or DataType.UInt64;

    /// <summary>Calls the vector operation <paramref name="name"/>: the host ISA's method where one means exactly the
    /// same (<see cref="PlatformOps"/>: RyuJIT always expands those), else the generic <c>VectorN</c> one.</summary>
    private void VCall(MType t, string name, string shape) => _il.Emit(OpCodes.Call,
        (shape is "P" or "V,V" ? PlatformOps.Find(t.Lanes * LaneBytes(t), name, LaneType(t)) : null)
        ?? Reflect.Generic(VClass(t), name, LaneType(t), shape));

    /// <summary>Reinterprets the vector on the stack from <paramref name="from"/>'s lanes to <paramref name="to"/>'s
    /// (same width; used between values and masks).</summary>
    private void EmitAs(MType from, MType to)
    {
        Type a = LaneType(from), b = LaneType(to);
        if (a == b) return;
        var m = VClass(from).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .First(m => m.Name == "As" && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 2);
        _il.Emit(OpCodes.Call, m.MakeGenericMethod(a, b));
    }

    private LocalBuilder PushResultAddress(MType t)
    {
        var r = Temp(ClrTypes.Of(t, _target), ResultSlot);
        _il.Emit(OpCodes.Ldloca, r);
        _il.Emit(OpCodes.Conv_U);
        return r;
    }

    private void Call(Type owner, string name, params Type[] parameters) => _il.Emit(OpCodes.Call, Reflect.Method(owner, name, parameters));
}
