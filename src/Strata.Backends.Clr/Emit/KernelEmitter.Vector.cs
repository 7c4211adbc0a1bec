using System.Reflection;
using System.Reflection.Emit;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Vector registers: the <c>VectorN</c> generic operations (RyuJIT turns them into SIMD instructions) where
/// their lane meaning is ScalarSemantics', <see cref="VectorMath"/> for f32 exp/erf/tanh/sigmoid (within 1 ulp),
/// <see cref="VectorRoots"/> for rsqrt and reciprocal (exact),
/// <see cref="LaneMath"/> for the other float transcendentals, and the lane-by-lane
/// <see cref="LaneOps"/> fallback for everything else.</summary>
internal sealed partial class KernelEmitter
{
    private void EmitVectorUnary(UnaryStmt u)
    {
        var t = u.X.Type;
        var rt = ScalarSemantics.ResultType(u.Op, t.Element);
        if (u.Target.Type != t.WithElement(rt)) throw Error($"{u.Op.Name()} of {t} gives {t.WithElement(rt)}, not {u.Target.Type}");
        if (!ScalarSemantics.IsDefined(u.Op, t.Element)) throw Error($"{u.Op.Name()} is not defined on {t.Element.ShortName()}");
        bool isFloat = t.Element is DataType.Float32 or DataType.Float64;
        bool unsigned = t.Element is DataType.UInt32 or DataType.UInt64;
        string? fast = (u.Op, t.Element) switch
        {
            (UnaryOp.Neg, _) when IsNumericLane(t.Element) => "Negate",
            (UnaryOp.Abs, _) when IsNumericLane(t.Element) => "Abs",
            (UnaryOp.Sqrt, _) when isFloat => "Sqrt",
            (UnaryOp.BitNot, _) when !isFloat && t.Element != DataType.Bool => "OnesComplement",
            (UnaryOp.Not, DataType.Bool) => "OnesComplement",
            (UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round, _) when !isFloat => "",
            (UnaryOp.Relu, _) when unsigned => "",
            (UnaryOp.Relu, _) when IsNumericLane(t.Element) => "Relu",
            _ => null,
        };
        if (fast is null && isFloat && u.Op is UnaryOp.Floor or UnaryOp.Ceil
            && Reflect.TryMethod(VClass(t), u.Op == UnaryOp.Floor ? "Floor" : "Ceiling", VType(t)) is { } rounding)
        {
            Load(u.X);
            _il.Emit(OpCodes.Call, rounding);
        }
        else if (fast is null && VectorMath.Handles(u.Op, t.Element, t.Lanes * LaneBytes(t) * 8))
        {
            // Vector exp/erf/tanh/sigmoid on f32: within VectorMath.MaxUlps of ScalarSemantics (see the README).
            Load(u.X);
            _il.Emit(OpCodes.Call, VectorMath.Method(u.Op, t.Lanes * LaneBytes(t) * 8));
        }
        else if (fast is null && VectorRoots.Handles(u.Op, t.Element, t.Lanes * LaneBytes(t) * 8))
        {
            // rsqrt/reciprocal: on double lanes, bit for bit ScalarSemantics' expression.
            Load(u.X);
            _il.Emit(OpCodes.Call, VectorRoots.Method(u.Op, VType(t), t.Lanes * LaneBytes(t) * 8));
        }
        else if (fast is null && isFloat && !u.Op.IsPredicate())
        {
            int bits = t.Lanes * LaneBytes(t) * 8;
            Load(u.X);
            _il.Emit(OpCodes.Ldc_I4, (int)u.Op);
            _il.Emit(OpCodes.Call, typeof(LaneMath).GetMethod("Unary" + bits)!.MakeGenericMethod(LaneType(t)));
        }
        else if (fast is null)
        {
            // LaneOps.Unary(op, type, &x, xLane, &r, rLane, lanes)
            _il.Emit(OpCodes.Ldc_I4, (int)u.Op);
            _il.Emit(OpCodes.Ldc_I4, (int)t.Element);
            SpillAddress(u.X, 0);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
            var r = PushResultAddress(u.Target.Type);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(u.Target.Type));
            _il.Emit(OpCodes.Ldc_I4, t.Lanes);
            Call(typeof(LaneOps), nameof(LaneOps.Unary), typeof(int), typeof(int), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(int));
            _il.Emit(OpCodes.Ldloc, r);
        }
        else
        {
            Load(u.X);
            if (fast == "Relu")
            {
                // max(x, 0) propagates NaN and maps −0 to +0, as ScalarSemantics' relu does.
                _il.Emit(OpCodes.Call, VType(t).GetProperty("Zero")!.GetGetMethod()!);
                VCall(t, "Max", "V,V");
            }
            else if (fast.Length > 0) VCall(t, fast, "V");
        }
        Store(u.Target);
    }

    private void EmitVectorBinary(BinaryStmt b)
    {
        var t = b.A.Type;
        var rt = ScalarSemantics.ResultType(b.Op, t.Element);
        if (b.Target.Type != t.WithElement(rt)) throw Error($"{b.Op.Name()} of {t} gives {t.WithElement(rt)}, not {b.Target.Type}");
        if (!ScalarSemantics.IsDefined(b.Op, t.Element)) throw Error($"{b.Op.Name()} is not defined on {t.Element.ShortName()}");
        if (!TryFastVectorBinary(b, t))
        {
            // LaneOps.Binary(op, type, &a, &b, lane, &r, rLane, lanes)
            _il.Emit(OpCodes.Ldc_I4, (int)b.Op);
            _il.Emit(OpCodes.Ldc_I4, (int)t.Element);
            SpillAddress(b.A, 0);
            SpillAddress(b.B, 1);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
            var r = PushResultAddress(b.Target.Type);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(b.Target.Type));
            _il.Emit(OpCodes.Ldc_I4, t.Lanes);
            Call(typeof(LaneOps), nameof(LaneOps.Binary), typeof(int), typeof(int), typeof(nint), typeof(nint), typeof(int), typeof(nint), typeof(int), typeof(int));
            _il.Emit(OpCodes.Ldloc, r);
        }
        Store(b.Target);
    }

    private bool TryFastVectorBinary(BinaryStmt b, MType t)
    {
        bool isFloat = t.Element is DataType.Float32 or DataType.Float64;
        if (t.Element == DataType.Bool)
        {
            string? m = b.Op switch
            {
                BinaryOp.And or BinaryOp.BitAnd => "BitwiseAnd",
                BinaryOp.Or or BinaryOp.BitOr => "BitwiseOr",
                BinaryOp.Xor or BinaryOp.BitXor or BinaryOp.Ne => "Xor",
                BinaryOp.Eq => "Eq",
                _ => null,
            };
            if (m is null) return false;
            Load(b.A);
            Load(b.B);
            VCall(t, m == "Eq" ? "Xor" : m, "V,V");
            if (m == "Eq") VCall(t, "OnesComplement", "V");
            return true;
        }
        if (!IsNumericLane(t.Element)) return false;
        if (b.Op.IsComparison())
        {
            var mask = b.Target.Type;
            if (LaneBytes(mask) != LaneBytes(t)) return false;
            string cmp = b.Op switch
            {
                BinaryOp.Eq or BinaryOp.Ne => "Equals",
                BinaryOp.Lt => "LessThan",
                BinaryOp.Le => "LessThanOrEqual",
                BinaryOp.Gt => "GreaterThan",
                _ => "GreaterThanOrEqual",
            };
            Load(b.A);
            Load(b.B);
            VCall(t, cmp, "V,V");
            if (b.Op == BinaryOp.Ne) VCall(t, "OnesComplement", "V");
            EmitAs(t, mask);
            return true;
        }
        string? op = b.Op switch
        {
            BinaryOp.Add => "Add",
            BinaryOp.Sub => "Subtract",
            BinaryOp.Mul => "Multiply",
            BinaryOp.Div when isFloat => "Divide",
            BinaryOp.Max => "Max",
            BinaryOp.MaxNative => "MaxNative",
            BinaryOp.Min => "Min",
            BinaryOp.BitAnd when !isFloat => "BitwiseAnd",
            BinaryOp.BitOr when !isFloat => "BitwiseOr",
            BinaryOp.BitXor when !isFloat => "Xor",
            _ => null,
        };
        if (op is null) return false;
        Load(b.A);
        Load(b.B);
        VCall(t, op, "V,V");
        return true;
    }

    private void EmitVectorFma(FmaStmt f)
    {
        var t = f.A.Type;
        if (t.Element is DataType.Float32 or DataType.Float64
            && (PlatformOps.Find(t.Lanes * LaneBytes(t), "FusedMultiplyAdd", LaneType(t))
                ?? Reflect.TryMethod(VClass(t), "FusedMultiplyAdd", VType(t), VType(t), VType(t))) is { } fma)
        {
            Load(f.A); Load(f.B); Load(f.C);
            _il.Emit(OpCodes.Call, fma);
        }
        else
        {
            // LaneOps.Fma(type, &a, &b, &c, lane, &r, lanes)
            _il.Emit(OpCodes.Ldc_I4, (int)t.Element);
            SpillAddress(f.A, 0);
            SpillAddress(f.B, 1);
            SpillAddress(f.C, 2);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
            var r = PushResultAddress(t);
            _il.Emit(OpCodes.Ldc_I4, t.Lanes);
            Call(typeof(LaneOps), nameof(LaneOps.Fma), typeof(int), typeof(nint), typeof(nint), typeof(nint), typeof(int), typeof(nint), typeof(int));
            _il.Emit(OpCodes.Ldloc, r);
        }
        Store(f.Target);
    }

    private void EmitVectorSelect(SelectStmt s)
    {
        var t = s.Target.Type;
        var c = s.Condition.Type;
        if (LaneBytes(c) == LaneBytes(t))
        {
            Load(s.Condition);
            EmitAs(c, t);
            Load(s.IfTrue);
            Load(s.IfFalse);
            VCall(t, "ConditionalSelect", "V,V,V");
        }
        else
        {
            // LaneOps.Select(&c, cLane, type, &a, &b, lane, &r, lanes)
            SpillAddress(s.Condition, 0);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(c));
            _il.Emit(OpCodes.Ldc_I4, (int)t.Element);
            SpillAddress(s.IfTrue, 1);
            SpillAddress(s.IfFalse, 2);
            _il.Emit(OpCodes.Ldc_I4, LaneBytes(t));
            var r = PushResultAddress(t);
            _il.Emit(OpCodes.Ldc_I4, t.Lanes);
            Call(typeof(LaneOps), nameof(LaneOps.Select), typeof(nint), typeof(int), typeof(int), typeof(nint), typeof(nint), typeof(int), typeof(nint), typeof(int));
            _il.Emit(OpCodes.Ldloc, r);
        }
        Store(s.Target);
    }
}
