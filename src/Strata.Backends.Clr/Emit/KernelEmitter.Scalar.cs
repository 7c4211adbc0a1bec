using System.Reflection.Emit;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Scalar registers: constants, unary/binary ops, casts. f32/f64 and integer arithmetic are IL opcodes or
/// Math calls with exactly ScalarSemantics' meaning (an f32 op computed in double and rounded equals the f32 op for
/// + − × ÷ and sqrt); everything else goes through <see cref="ScalarBridge"/>, correct by construction.</summary>
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

    private static bool IsFastFloat(DataType t) => t is DataType.Float32 or DataType.Float64;

    private void EmitScalarUnary(UnaryStmt u)
    {
        var t = u.X.Type.Element;
        var rt = ScalarSemantics.ResultType(u.Op, t);
        if (u.Target.Type != MType.Scalar(rt)) throw Error($"{u.Op.Name()} of {u.X.Type} gives {rt.ShortName()}, not {u.Target.Type}");
        if (!ScalarSemantics.IsDefined(u.Op, t)) throw Error($"{u.Op.Name()} is not defined on {t.ShortName()}");
        if (IsFastFloat(t) && FastFloatUnary(u.Op) is { } math)
        {
            Load(u.X);
            if (math.Length == 0) _il.Emit(OpCodes.Neg);
            else
            {
                if (t == DataType.Float32) _il.Emit(OpCodes.Conv_R8);
                Call(typeof(Math), math, typeof(double));
                if (t == DataType.Float32) _il.Emit(OpCodes.Conv_R4);
            }
        }
        else if (!ClrTypes.IsFloat(t) && (t == DataType.Bool
            ? u.Op is UnaryOp.Not or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round
            : u.Op is UnaryOp.Neg or UnaryOp.BitNot or UnaryOp.Not or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round))
        {
            // Bool is 0/1 and closed only under not (neg/bitnot wrap to "x != 0" in ScalarSemantics: the bridge).
            Load(u.X);
            switch (u.Op)
            {
                case UnaryOp.Neg: _il.Emit(OpCodes.Neg); break;
                case UnaryOp.BitNot: _il.Emit(OpCodes.Not); break;
                case UnaryOp.Not: Widen(t); _il.Emit(OpCodes.Ldc_I8, 0L); _il.Emit(OpCodes.Ceq); break;
            }
            ConvertFromInt(rt);
        }
        else
        {
            EmitBridgeUnary(u.Op, t, () => PushWide(u.X));
            Narrow(rt);
        }
        Store(u.Target);
    }

    /// <summary>The Math method (on double) with exactly ScalarSemantics' meaning, "" for IL neg, null if none.</summary>
    private static string? FastFloatUnary(UnaryOp op) => op switch
    {
        UnaryOp.Neg => "",
        UnaryOp.Abs => nameof(Math.Abs),
        UnaryOp.Exp => nameof(Math.Exp),
        UnaryOp.Log => nameof(Math.Log),
        UnaryOp.Sqrt => nameof(Math.Sqrt),
        UnaryOp.Tanh => nameof(Math.Tanh),
        UnaryOp.Floor => nameof(Math.Floor),
        UnaryOp.Ceil => nameof(Math.Ceiling),
        UnaryOp.Round => nameof(Math.Round),
        UnaryOp.Sin => nameof(Math.Sin),
        UnaryOp.Cos => nameof(Math.Cos),
        UnaryOp.Tan => nameof(Math.Tan),
        UnaryOp.Asin => nameof(Math.Asin),
        UnaryOp.Acos => nameof(Math.Acos),
        UnaryOp.Atan => nameof(Math.Atan),
        UnaryOp.Sinh => nameof(Math.Sinh),
        UnaryOp.Cosh => nameof(Math.Cosh),
        UnaryOp.Asinh => nameof(Math.Asinh),
        UnaryOp.Acosh => nameof(Math.Acosh),
        UnaryOp.Atanh => nameof(Math.Atanh),
        _ => null,
    };

    /// <summary>Pushes op and type, the widened operand, and calls the bridge; leaves a double or long.</summary>
    private void EmitBridgeUnary(UnaryOp op, DataType t, Action pushOperand)
    {
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Ldc_I4, (int)t);
        pushOperand();
        var rt = ScalarSemantics.ResultType(op, t);
        if (ClrTypes.IsFloat(t))
            Call(typeof(ScalarBridge), ClrTypes.IsFloat(rt) ? nameof(ScalarBridge.UnaryF) : nameof(ScalarBridge.UnaryFI), typeof(int), typeof(int), typeof(double));
        else
            Call(typeof(ScalarBridge), nameof(ScalarBridge.UnaryI), typeof(int), typeof(int), typeof(long));
    }

    private void EmitScalarBinary(BinaryStmt b)
    {
        var t = b.A.Type.Element;
        var rt = ScalarSemantics.ResultType(b.Op, t);
        if (b.Target.Type != MType.Scalar(rt)) throw Error($"{b.Op.Name()} of {b.A.Type} gives {rt.ShortName()}, not {b.Target.Type}");
        if (!ScalarSemantics.IsDefined(b.Op, t)) throw Error($"{b.Op.Name()} is not defined on {t.ShortName()}");
        if (!TryFastScalarBinary(b, t))
        {
            _il.Emit(OpCodes.Ldc_I4, (int)b.Op);
            _il.Emit(OpCodes.Ldc_I4, (int)t);
            PushWide(b.A);
            PushWide(b.B);
            if (ClrTypes.IsFloat(t))
                Call(typeof(ScalarBridge), ClrTypes.IsFloat(rt) ? nameof(ScalarBridge.BinaryF) : nameof(ScalarBridge.BinaryFI),
                    typeof(int), typeof(int), typeof(double), typeof(double));
            else
                Call(typeof(ScalarBridge), nameof(ScalarBridge.BinaryI), typeof(int), typeof(int), typeof(long), typeof(long));
            Narrow(rt);
        }
        Store(b.Target);
    }

    /// <summary>IL opcodes for f32/f64 arithmetic and comparisons, and for integer ops whose wrapped result is the
    /// IL result truncated to the type. Leaves the result (of the result type) on the stack.</summary>
    private bool TryFastScalarBinary(BinaryStmt b, DataType t)
    {
        bool isFloat = IsFastFloat(t), isInt = !ClrTypes.IsFloat(t);
        if (!isFloat && !isInt) return false;
        // bool arithmetic wraps to "x != 0" in ScalarSemantics; only the 0/1-closed ops are fast.
        if (t == DataType.Bool && b.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul) return false;
        bool unsigned = ClrTypes.IsUnsigned(t) && t is DataType.UInt32 or DataType.UInt64;
        var clr = ClrTypes.Element(t);
        OpCode[]? ops = b.Op switch
        {
            BinaryOp.Add => [OpCodes.Add],
            BinaryOp.Sub => [OpCodes.Sub],
            BinaryOp.Mul => [OpCodes.Mul],
            BinaryOp.Div when isFloat => [OpCodes.Div],
            BinaryOp.FMod when isFloat => [OpCodes.Rem],
            BinaryOp.Eq => [OpCodes.Ceq],
            BinaryOp.Ne => [OpCodes.Ceq, OpCodes.Ldc_I4_0, OpCodes.Ceq],
            BinaryOp.Lt => [isFloat || !unsigned ? OpCodes.Clt : OpCodes.Clt_Un],
            BinaryOp.Gt => [isFloat || !unsigned ? OpCodes.Cgt : OpCodes.Cgt_Un],
            // a <= b is !(a > b) — for floats !(a >un b), so NaN gives false.
            BinaryOp.Le => [isFloat || unsigned ? OpCodes.Cgt_Un : OpCodes.Cgt, OpCodes.Ldc_I4_0, OpCodes.Ceq],
            BinaryOp.Ge => [isFloat || unsigned ? OpCodes.Clt_Un : OpCodes.Clt, OpCodes.Ldc_I4_0, OpCodes.Ceq],
            BinaryOp.BitAnd when isInt => [OpCodes.And],
            BinaryOp.BitOr when isInt => [OpCodes.Or],
            BinaryOp.BitXor when isInt => [OpCodes.Xor],
            BinaryOp.And when t == DataType.Bool => [OpCodes.And],
            BinaryOp.Or when t == DataType.Bool => [OpCodes.Or],
            BinaryOp.Xor when t == DataType.Bool => [OpCodes.Xor],
            _ => null,
        };
        if (b.Op is BinaryOp.Max or BinaryOp.Min)
        {
            // Math.Max/Min propagate NaN and order −0 < +0, as ScalarSemantics does; integer overloads exist for every type.
            Load(b.A);
            Load(b.B);
            Call(typeof(Math), b.Op == BinaryOp.Max ? nameof(Math.Max) : nameof(Math.Min), clr, clr);
            return true;
        }
        if (ops is null) return false;
        Load(b.A);
        Load(b.B);
        foreach (var op in ops) _il.Emit(op);
        if (isInt && !b.Op.IsComparison()) ConvertFromInt(t);
        return true;
    }

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

    private void EmitFma(FmaStmt f)
    {
        RequireSameType(f.A, f.B);
        RequireSameType(f.A, f.C);
        RequireSameType(f.A, f.Target);
        var t = f.A.Type.Element;
        if (!ClrTypes.IsFloat(t)) throw Error($"fma on {f.A.Type}: only float types");
        if (f.A.Type.IsVector) { EmitVectorFma(f); return; }
        if (IsFastFloat(t))
        {
            Load(f.A); Load(f.B); Load(f.C);
            var clr = ClrTypes.Element(t);
            Call(t == DataType.Float32 ? typeof(MathF) : typeof(Math), nameof(Math.FusedMultiplyAdd), clr, clr, clr);
        }
        else
        {
            _il.Emit(OpCodes.Ldc_I4, (int)t);
            PushWide(f.A); PushWide(f.B); PushWide(f.C);
            Call(typeof(ScalarBridge), nameof(ScalarBridge.Fma), typeof(int), typeof(double), typeof(double), typeof(double));
            Narrow(t);
        }
        Store(f.Target);
    }

    private void EmitSelect(SelectStmt s)
    {
        RequireSameType(s.IfTrue, s.IfFalse);
        RequireSameType(s.IfTrue, s.Target);
        if (s.Condition.Type.Element != DataType.Bool || s.Condition.Type.Lanes != s.Target.Type.Lanes)
            throw Error($"select: condition %{s.Condition.Name} is {s.Condition.Type}, values are {s.Target.Type}");
        if (s.Target.Type.IsVector) { EmitVectorSelect(s); return; }
        var no = _il.DefineLabel();
        var end = _il.DefineLabel();
        Load(s.Condition);
        _il.Emit(OpCodes.Brfalse, no);
        Load(s.IfTrue);
        _il.Emit(OpCodes.Br, end);
        _il.MarkLabel(no);
        Load(s.IfFalse);
        _il.MarkLabel(end);
        Store(s.Target);
    }

    private void Call(Type owner, string name, params Type[] parameters) => _il.Emit(OpCodes.Call, Reflect.Method(owner, name, parameters));
}
