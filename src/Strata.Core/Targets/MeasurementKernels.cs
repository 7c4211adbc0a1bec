using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Intrinsics;

namespace Strata.Core;

/// <summary>The inner loops of <see cref="TargetMeasurement"/>, emitted as anonymously hosted dynamic methods. Why not
/// plain C#: a Debug build of this assembly is JIT-compiled without optimisation (every vector spilled to the stack),
/// which measured a sixth of the real peak. A dynamic method owned by this module inherits that (measured: same low
/// number); an anonymously hosted one (no owner) is compiled with full optimisation however Strata was built.</summary>
internal static class MeasurementKernels
{
    /// <summary>Independent accumulator chains: enough to hide the FMA latency (4-5 cycles × 2 ports) on current x86 cores.</summary>
    public const int Accumulators = 12;

    /// <summary><c>float f(long iterations)</c>: each iteration does one FMA on each of <see cref="Accumulators"/>
    /// independent vectors of <paramref name="lanes"/> floats (16, 8, 4 or 1); returns their sum so nothing is dead.</summary>
    public static Func<long, float> FmaChains(int lanes)
    {
        var (vector, statics) = VectorTypes(lanes);
        var dm = new DynamicMethod($"strata_fma_chains_{lanes}", typeof(float), [typeof(long)]);
        var il = dm.GetILGenerator();
        var m = il.DeclareLocal(vector);
        var a = il.DeclareLocal(vector);
        var i = il.DeclareLocal(typeof(long));
        var c = Enumerable.Range(0, Accumulators).Select(_ => il.DeclareLocal(vector)).ToArray();
        EmitSplat(il, statics, 0.999999f);
        il.Emit(OpCodes.Stloc, m);
        EmitSplat(il, statics, 1e-6f);
        il.Emit(OpCodes.Stloc, a);
        foreach (var acc in c) { il.Emit(OpCodes.Ldloc, a); il.Emit(OpCodes.Stloc, acc); }
        var fma = statics is null
            ? typeof(MathF).GetMethod(nameof(MathF.FusedMultiplyAdd), [typeof(float), typeof(float), typeof(float)])!
            : statics.GetMethod("FusedMultiplyAdd", [vector, vector, vector])!;
        EmitCountedLoop(il, i, step: 1, body: () =>
        {
            foreach (var acc in c)
            {
                il.Emit(OpCodes.Ldloc, acc);
                il.Emit(OpCodes.Ldloc, m);
                il.Emit(OpCodes.Ldloc, a);
                il.Emit(OpCodes.Call, fma);
                il.Emit(OpCodes.Stloc, acc);
            }
        });
        il.Emit(OpCodes.Ldloc, c[0]);
        foreach (var acc in c.Skip(1)) { il.Emit(OpCodes.Ldloc, acc); EmitAdd(il, vector); }
        EmitHorizontalSum(il, statics);
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<Func<long, float>>();
    }

    public unsafe delegate float SumDelegate(float* data, long count);

    /// <summary><c>float f(float* data, long count)</c> (count a multiple of 32): the sum with four 256-bit
    /// accumulators, so the loop is bound by loads, not by the add latency.</summary>
    public static SumDelegate Sum => SumValue.Value;

    private static readonly Lazy<SumDelegate> SumValue = new(() =>
    {
        var (vector, statics) = VectorTypes(8);
        var dm = new DynamicMethod("strata_sum_floats", typeof(float), [typeof(float*), typeof(long)]);
        var il = dm.GetILGenerator();
        var i = il.DeclareLocal(typeof(long));
        var s = Enumerable.Range(0, 4).Select(_ => il.DeclareLocal(vector)).ToArray();
        var load = statics!.GetMethods().Single(x => x.Name == "Load" && x.IsGenericMethodDefinition).MakeGenericMethod(typeof(float));
        EmitCountedLoop(il, i, step: 32, body: () =>
        {
            for (int k = 0; k < s.Length; k++)
            {
                il.Emit(OpCodes.Ldloc, s[k]);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldloc, i);
                il.Emit(OpCodes.Ldc_I8, (long)(8 * k));
                il.Emit(OpCodes.Add);
                il.Emit(OpCodes.Ldc_I8, (long)sizeof(float));
                il.Emit(OpCodes.Mul);
                il.Emit(OpCodes.Conv_I);
                il.Emit(OpCodes.Add);
                il.Emit(OpCodes.Call, load);
                EmitAdd(il, vector);
                il.Emit(OpCodes.Stloc, s[k]);
            }
        }, limitArg: 1, limitOffset: -31);
        il.Emit(OpCodes.Ldloc, s[0]);
        foreach (var acc in s.Skip(1)) { il.Emit(OpCodes.Ldloc, acc); EmitAdd(il, vector); }
        EmitHorizontalSum(il, statics);
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<SumDelegate>();
    });

    private static (Type Vector, Type? Statics) VectorTypes(int lanes) => lanes switch
    {
        16 => (typeof(Vector512<float>), typeof(Vector512)),
        8 => (typeof(Vector256<float>), typeof(Vector256)),
        4 => (typeof(Vector128<float>), typeof(Vector128)),
        _ => (typeof(float), null),
    };

    private static void EmitSplat(ILGenerator il, Type? statics, float value)
    {
        il.Emit(OpCodes.Ldc_R4, value);
        if (statics is not null) il.Emit(OpCodes.Call, statics.GetMethod("Create", [typeof(float)])!);
    }

    private static void EmitAdd(ILGenerator il, Type vector)
    {
        if (vector == typeof(float)) il.Emit(OpCodes.Add);
        else il.Emit(OpCodes.Call, vector.GetMethod("op_Addition", [vector, vector])!);
    }

    private static void EmitHorizontalSum(ILGenerator il, Type? statics)
    {
        if (statics is null) return;
        var sum = statics.GetMethods().Single(x => x.Name == "Sum" && x.IsGenericMethodDefinition).MakeGenericMethod(typeof(float));
        il.Emit(OpCodes.Call, sum);
    }

    /// <summary><c>for (i = 0; i &lt; arg[limitArg] + limitOffset; i += step) body</c>.</summary>
    private static void EmitCountedLoop(ILGenerator il, LocalBuilder i, long step, Action body, int limitArg = 0, long limitOffset = 0)
    {
        var top = il.DefineLabel();
        var check = il.DefineLabel();
        il.Emit(OpCodes.Ldc_I8, 0L);
        il.Emit(OpCodes.Stloc, i);
        il.Emit(OpCodes.Br, check);
        il.MarkLabel(top);
        body();
        il.Emit(OpCodes.Ldloc, i);
        il.Emit(OpCodes.Ldc_I8, step);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Stloc, i);
        il.MarkLabel(check);
        il.Emit(OpCodes.Ldloc, i);
        il.Emit(OpCodes.Ldarg, limitArg);
        if (limitOffset != 0)
        {
            il.Emit(OpCodes.Ldc_I8, limitOffset);
            il.Emit(OpCodes.Add);
        }
        il.Emit(OpCodes.Blt, top);
    }
}
