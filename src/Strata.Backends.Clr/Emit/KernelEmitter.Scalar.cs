using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using Strata.Backends.Clr.Helpers;
using Strata.Core;
using Strata.Machine;
using Strata.Tile;

namespace Strata.Backends.Clr.Emit;

/// <summary>Scalar registers: unary/binary ops, fma, select. f32/f64 and integer arithmetic are IL opcodes or Math
/// calls with exactly ScalarSemantics' meaning (an f32 op computed in double and rounded equals the f32 op for
/// + − × ÷ and sqrt); everything else goes through <see cref="ScalarBridge"/>, correct by construction.</summary>
internal sealed partial class KernelEmitter
{
    private static bool IsFastFloat(DataType t) => t is DataType.Float32 or DataType.Float64;

    private void EmitScalarUnary(UnaryStmt u)
    {
        var t = u.X.Type.Element;
        var rt = ScalarSemantics.ResultType(u.Op, t);
        if (u.Target.Type != MType.Scalar(rt)) throw Error($"{u.Op.Name()} of {u.X.Type} gives {rt.ShortName()}, not {u.Target.Type}");
        if (!ScalarSemantics.IsDefined(u.Op, t)) throw Error($"{u.Op.Name()} is not defined on {t.ShortName()}");
        if (IsFastFloat(t) && u.Op.IsPredicate())
        {
            // isnan/isinf/isposinf/isneginf: the double predicate ScalarSemantics applies (f32 widens exactly).
            Load(u.X);
            if (t == DataType.Float32) _il.Emit(OpCodes.Conv_R8);
            Call(typeof(double), u.Op switch
            {
                UnaryOp.IsNaN => nameof(double.IsNaN),
                UnaryOp.IsInf => nameof(double.IsInfinity),
                UnaryOp.IsPosInf => nameof(double.IsPositiveInfinity),
                _ => nameof(double.IsNegativeInfinity),
            }, typeof(double));
        }
        else if (IsFastFloat(t) && u.Op is UnaryOp.Rsqrt or UnaryOp.Reciprocal)
        {
            // 1 / Math.Sqrt(v) and 1 / v on double, rounded once: ScalarSemantics' own expression.
            _il.Emit(OpCodes.Ldc_R8, 1.0);
            Load(u.X);
            if (t == DataType.Float32) _il.Emit(OpCodes.Conv_R8);
            if (u.Op == UnaryOp.Rsqrt) Call(typeof(Math), nameof(Math.Sqrt), typeof(double));
            _il.Emit(OpCodes.Div);
            if (t == DataType.Float32) _il.Emit(OpCodes.Conv_R4);
        }
        else if (IsFastFloat(t) && u.Op == UnaryOp.Relu)
        {
            // v <= 0 ? 0 : v — ScalarSemantics' v > 0 ? v : (NaN ? v : 0): ble is ordered, so NaN keeps v; -0 gives +0.
            // Inline: through the bridge a relu is a call and a Scalar round trip per element (shufflenet's scalar
            // AveragePool+Concat+Relu kernels spent most of their time there).
            var zero = _il.DefineLabel();
            var end = _il.DefineLabel();
            Load(u.X);
            if (t == DataType.Float32) _il.Emit(OpCodes.Ldc_R4, 0f);
            else _il.Emit(OpCodes.Ldc_R8, 0.0);
            _il.Emit(OpCodes.Ble, zero);
            Load(u.X);
            _il.Emit(OpCodes.Br, end);
            _il.MarkLabel(zero);
            if (t == DataType.Float32) _il.Emit(OpCodes.Ldc_R4, 0f);
            else _il.Emit(OpCodes.Ldc_R8, 0.0);
            _il.MarkLabel(end);
        }
        else if (IsFastFloat(t) && FastFloatUnary(u.Op) is { } math)
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

    /// <summary>i64 mod (floor mod, the divisor's sign) inline for a positive divisor: p % q, plus q when negative.
    /// Other divisors (0, negative) call the bridge. Index arithmetic uses it (a channel shuffle's
    /// <c>mod(c, groups)</c>): through the bridge a copy kernel made a call per vector it moved (shufflenet's
    /// Reshape+Transpose+Reshape kernels).</summary>
    private void EmitModI64(BinaryStmt b)
    {
        var r = Temp(typeof(long), 23);
        EmitForPositiveDivisor(b, BinaryOp.Mod, r, pushDivisor =>
        {
            var end = _il.DefineLabel();
            Load(b.A);
            pushDivisor();
            _il.Emit(OpCodes.Rem);
            _il.Emit(OpCodes.Stloc, r);
            _il.Emit(OpCodes.Ldloc, r);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Bge, end);
            _il.Emit(OpCodes.Ldloc, r);
            pushDivisor();
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Stloc, r);
            _il.MarkLabel(end);
        });
    }

    /// <summary>Emits <paramref name="inline"/> (which stores into <paramref name="result"/>, given how to push the
    /// divisor) for a positive i64 divisor and leaves the result on the stack. A positive literal divisor needs no test
    /// and is pushed as a literal, so RyuJIT divides by multiplying (an im2col K row's k / 9, k mod 3); any other divisor
    /// is tested at run time and, when not positive, goes to the bridge (overflow and division by zero as
    /// ScalarSemantics has them).</summary>
    private void EmitForPositiveDivisor(BinaryStmt b, BinaryOp op, LocalBuilder result, Action<Action> inline)
    {
        if (PositiveConstant(b.B) is { } c)
        {
            inline(() => _il.Emit(OpCodes.Ldc_I8, c));
            _il.Emit(OpCodes.Ldloc, result);
            return;
        }
        var slow = _il.DefineLabel();
        var end = _il.DefineLabel();
        Load(b.B);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Ble, slow);
        inline(() => Load(b.B));
        _il.Emit(OpCodes.Br, end);
        _il.MarkLabel(slow);
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Ldc_I4, (int)DataType.Int64);
        Load(b.A);
        Load(b.B);
        Call(typeof(ScalarBridge), nameof(ScalarBridge.BinaryI), typeof(int), typeof(int), typeof(long), typeof(long));
        _il.Emit(OpCodes.Stloc, result);
        _il.MarkLabel(end);
        _il.Emit(OpCodes.Ldloc, result);
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
        if (b.Op == BinaryOp.Mod && t == DataType.Int64)
        {
            EmitModI64(b);
            return true;
        }
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
        if (b.Op == BinaryOp.FloorDiv && t == DataType.Int64)
        {
            EmitFloorDivI64(b);
            return true;
        }
        if (b.Op is BinaryOp.Max or BinaryOp.Min or BinaryOp.MaxNative)
        {
            // Math.Max/Min propagate NaN and order −0 < +0, as ScalarSemantics does; integer overloads exist for every type.
            // MaxNative as Max: a scalar tail is short, and Max's result is one that MaxNative allows.
            Load(b.A);
            Load(b.B);
            Call(typeof(Math), b.Op == BinaryOp.Min ? nameof(Math.Min) : nameof(Math.Max), clr, clr);
            return true;
        }
        if (ops is null) return false;
        Load(b.A);
        Load(b.B);
        foreach (var op in ops) _il.Emit(op);
        if (isInt && !b.Op.IsComparison()) ConvertFromInt(t);
        return true;
    }

    /// <summary>i64 floordiv inline for a positive divisor (the lowering's ⌈a/s⌉ of a strided lane range, index
    /// splits by constants): a / b, one less when the remainder is negative. Other divisors (0, negative: overflow and
    /// division by zero as ScalarSemantics has them) call the bridge. A call in a vector loop makes RyuJIT spill every
    /// live vector register around it.</summary>
    private void EmitFloorDivI64(BinaryStmt b)
    {
        var q = Temp(typeof(long), 22);
        EmitForPositiveDivisor(b, BinaryOp.FloorDiv, q, pushDivisor =>
        {
            var done = _il.DefineLabel();
            Load(b.A);
            pushDivisor();
            _il.Emit(OpCodes.Div);
            _il.Emit(OpCodes.Stloc, q);
            Load(b.A);
            pushDivisor();
            _il.Emit(OpCodes.Rem);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Bge, done);
            _il.Emit(OpCodes.Ldloc, q);
            _il.Emit(OpCodes.Ldc_I8, 1L);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Stloc, q);
            _il.MarkLabel(done);
        });
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

    private Dictionary<string, long>? _positiveConstants;

    /// <summary>The value of an i64 register that the kernel assigns exactly once, by a constant above 0; null otherwise.</summary>
    private long? PositiveConstant(Reg r)
    {
        if (_positiveConstants is null)
        {
            var defs = new Dictionary<string, int>(StringComparer.Ordinal);
            var values = new Dictionary<string, long>(StringComparer.Ordinal);
            void Walk(ImmutableArray<MStmt> stmts)
            {
                foreach (var s in stmts)
                {
                    if (s.Dest is { } d) defs[d.Name] = defs.GetValueOrDefault(d.Name) + 1;
                    if (s is ConstStmt c && !c.Target.Type.IsVector && c.Target.Type.Element == DataType.Int64 && c.Value.I > 0) values[c.Target.Name] = c.Value.I;
                    if (s is LoopStmt l) { defs[l.Var.Name] = defs.GetValueOrDefault(l.Var.Name) + 1; Walk(l.Body); }
                    if (s is IfStmt i) { Walk(i.Then); Walk(i.Else); }
                }
            }
            Walk(_kernel.Body);
            _positiveConstants = values.Where(e => defs.GetValueOrDefault(e.Key) == 1).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        }
        return !r.Type.IsVector && _positiveConstants.TryGetValue(r.Name, out long v) ? v : null;
    }
}
