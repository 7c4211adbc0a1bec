using System.Buffers;
using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Runtime;

/// <summary>Bridges managed <see cref="Tensor"/>s and native memory for every element type a tensor can hold (string
/// excepted): element sizes, pinning, copying in and out, and tensors that are views of native memory (so the
/// interpreters and reference ops can run on arena memory without copies).</summary>
public static unsafe class NativeTensors
{
    /// <summary>Bytes per element of <paramref name="type"/> as <see cref="Tensor{T}"/> stores it.</summary>
    public static int ElementSize(DataType type) => ElementDispatch.Invoke<SizeOf, int>(Check(type), default);

    public static long Bytes(DataType type, IEnumerable<long> shape) => shape.Aggregate((long)ElementSize(type), (a, d) => a * d);

    /// <summary>Pins the tensor's storage for as long as the handle is not disposed; the handle's pointer is the first element.</summary>
    public static MemoryHandle Pin(Tensor tensor) => ElementDispatch.Invoke<Pinner, MemoryHandle>(Check(tensor.DataType), new(tensor));

    /// <summary>A fresh tensor whose elements are not cleared: for a kernel's output, which the kernel writes whole (a
    /// 393 KB output is a large-object allocation; clearing it would cost as much as the kernel).</summary>
    public static Tensor Uninitialized(DataType type, int[] shape) =>
        ElementDispatch.Invoke<UninitializedMaker, Tensor>(Check(type), new(shape));

    /// <summary>A tensor whose storage is <paramref name="address"/> (not owned: valid while that memory is).</summary>
    public static Tensor View(DataType type, nint address, int[] shape) =>
        ElementDispatch.Invoke<Viewer, Tensor>(Check(type), new(address, shape));

    /// <summary>Copies the tensor's elements to <paramref name="destination"/> (which holds <paramref name="bytes"/> bytes).</summary>
    public static void CopyTo(Tensor tensor, nint destination, long bytes)
    {
        long size = (long)tensor.Length * ElementSize(tensor.DataType);
        if (size != bytes)
            throw new StrataException(ErrorCode.ShapeMismatch, $"a {tensor} ({size} bytes) does not fit a buffer of {bytes} bytes",
                "the compiled program expected another shape here: a shape-inference or lowering bug");
        using var pin = Pin(tensor);
        Buffer.MemoryCopy(pin.Pointer, (void*)destination, bytes, bytes);
    }

    /// <summary>A managed copy of native memory as a tensor.</summary>
    public static Tensor Copy(DataType type, nint source, int[] shape)
    {
        var t = TensorFactory.Create(Check(type), shape);
        long bytes = (long)t.Length * ElementSize(type);
        using var pin = Pin(t);
        Buffer.MemoryCopy((void*)source, pin.Pointer, bytes, bytes);
        return t;
    }

    private static DataType Check(DataType type) => type == DataType.String
        ? throw new StrataException(ErrorCode.UnsupportedDataType, "string tensors have no native representation",
            "string ops run as fallback steps on managed tensors")
        : type;

    private readonly struct SizeOf : IElementFunc<int>
    {
        public int Invoke<T>() => Unsafe.SizeOf<T>();
    }

    private readonly struct Pinner(Tensor tensor) : IElementFunc<MemoryHandle>
    {
        public MemoryHandle Invoke<T>() => ((Tensor<T>)tensor).Memory.Pin();
    }

    private readonly struct UninitializedMaker(int[] shape) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>() => new Tensor<T>(GC.AllocateUninitializedArray<T>(ShapeMath.Size(shape)), shape);
    }

    private readonly struct Viewer(nint address, int[] shape) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>() => new Tensor<T>(new NativeMemoryManager<T>(address, ShapeMath.Size(shape)).Memory, shape);
    }

    /// <summary>Exposes native memory as <see cref="Memory{T}"/>; it owns nothing, so disposing it frees nothing.</summary>
    private sealed class NativeMemoryManager<T>(nint address, int length) : MemoryManager<T>
    {
        public override Span<T> GetSpan() => new((void*)address, length);

        public override MemoryHandle Pin(int elementIndex = 0) =>
            new((byte*)address + (long)elementIndex * Unsafe.SizeOf<T>());

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
