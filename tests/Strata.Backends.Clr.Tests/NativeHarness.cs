using System.Buffers;
using System.Runtime.InteropServices;
using Strata.Block;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;

namespace Strata.Backends.Clr.Tests;

/// <summary>Runs a kernel natively (compiled by <see cref="ClrBackend"/>) the way the runtime will — pinned exact-size
/// tensors, one 64-byte-aligned scratch area — and compares it with the Machine interpreter.</summary>
internal static unsafe class NativeHarness
{
    public static readonly ClrBackend Backend = new();

    /// <summary>Binds inputs in order, allocates zeroed outputs and scratch, runs all instances; returns the outputs.</summary>
    public static IReadOnlyList<Tensor> Call(MachineKernel kernel, IReadOnlyList<Tensor> inputs, NativeCompileOptions? options = null) =>
        Call(Backend.Compile(kernel, options ?? NativeCompileOptions.Default), inputs);

    public static IReadOnlyList<Tensor> Call(NativeKernel native, IReadOnlyList<Tensor> inputs)
    {
        var kernel = native.Kernel;
        var arguments = new List<Tensor>();
        var outputs = new List<Tensor>();
        int next = 0;
        foreach (var p in kernel.Params)
        {
            if (p.Role == ParamRole.Input) { arguments.Add(inputs[next++]); continue; }
            var t = TensorFactory.Create(p.Element, p.Shape.Select(d => checked((int)d)).ToArray());
            arguments.Add(t);
            if (p.Role == ParamRole.Output) outputs.Add(t);
        }
        Run(native, arguments, 0, kernel.Programs);
        return outputs;
    }

    public static void Run(NativeKernel native, IReadOnlyList<Tensor> arguments, long begin, long end)
    {
        var handles = arguments.Select(Pin).ToArray();
        var args = stackalloc nint[Math.Max(1, handles.Length)];
        for (int i = 0; i < handles.Length; i++) args[i] = (nint)handles[i].Pointer;
        void* locals = NativeMemory.AlignedAlloc((nuint)Math.Max(64, native.LocalBytes), 64);
        try { native.Run(args, begin, end, (nint)locals); }
        finally
        {
            NativeMemory.AlignedFree(locals);
            foreach (var h in handles) h.Dispose();
        }
    }

    private static MemoryHandle Pin(Tensor t) => t switch
    {
        Tensor<float> x => x.Memory.Pin(),
        Tensor<double> x => x.Memory.Pin(),
        Tensor<Half> x => x.Memory.Pin(),
        Tensor<BFloat16> x => x.Memory.Pin(),
        Tensor<sbyte> x => x.Memory.Pin(),
        Tensor<short> x => x.Memory.Pin(),
        Tensor<int> x => x.Memory.Pin(),
        Tensor<long> x => x.Memory.Pin(),
        Tensor<byte> x => x.Memory.Pin(),
        Tensor<ushort> x => x.Memory.Pin(),
        Tensor<uint> x => x.Memory.Pin(),
        Tensor<ulong> x => x.Memory.Pin(),
        Tensor<bool> x => x.Memory.Pin(),
        _ => throw new ArgumentException($"{t.DataType} tensors are not passed to native kernels"),
    };

    /// <summary>Runs natively and in the Machine interpreter; asserts every output element is bit-identical
    /// (NaNs compare equal whatever their payload), or with <paramref name="maxUlps"/> &gt; 0 that f32 elements are
    /// within that many ulps (zeros keep their sign). Returns the native outputs.</summary>
    public static IReadOnlyList<Tensor> AssertMatchesInterpreter(MachineKernel kernel, IReadOnlyList<Tensor> inputs, NativeCompileOptions? options = null,
        bool checkRaces = true, int maxUlps = 0)
    {
        var expected = MachineInterpreter.Call(kernel, inputs.Select(t => t.Clone()).ToList(), new MachineRunOptions(CheckRaces: checkRaces));
        var actual = Call(kernel, inputs, options);
        Assert.Equal(expected.Count, actual.Count);
        for (int o = 0; o < expected.Count; o++)
        {
            Assert.Equal(expected[o].Shape, actual[o].Shape);
            for (int i = 0; i < expected[o].Length; i++)
            {
                var e = expected[o].GetValue(i);
                var a = actual[o].GetValue(i);
                if (!Equals(e, a) && !(IsNaN(e) && IsNaN(a)) && !(e is float fe && a is float fa && UlpDistance(fe, fa) <= maxUlps))
                    Assert.Fail($"kernel @{kernel.Name}: output {o} element {i}: interpreter {Show(e)}, native {Show(a)}");
            }
        }
        return actual;
    }

    /// <summary>How many f32 values lie between the two (inclusive of one end); −0 and +0 are apart (int.MaxValue),
    /// as is NaN from anything.</summary>
    public static long UlpDistance(float x, float y)
    {
        if (float.IsNaN(x) || float.IsNaN(y)) return float.IsNaN(x) && float.IsNaN(y) ? 0 : int.MaxValue;
        if (x == 0 && y == 0) return BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y) ? 0 : int.MaxValue;
        static long Key(float f) { int b = BitConverter.SingleToInt32Bits(f); return b < 0 ? -(long)(b & int.MaxValue) : b; }
        return Math.Abs(Key(x) - Key(y));
    }

    /// <summary>NaN payloads are not part of the semantics (a cast may canonicalise them).</summary>
    private static bool IsNaN(object? v) => v switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        Half h => Half.IsNaN(h),
        BFloat16 b => float.IsNaN((float)b),
        _ => false,
    };

    private static string Show(object? v) => v switch
    {
        float f => $"{f:R} (0x{BitConverter.SingleToUInt32Bits(f):X8})",
        double d => $"{d:R} (0x{BitConverter.DoubleToInt64Bits(d):X16})",
        _ => v?.ToString() ?? "null",
    };
}
