namespace Strata.Core;

/// <summary>A dense tensor with contiguous row-major storage. Use <see cref="Tensor{T}"/> for typed access.</summary>
public abstract class Tensor : RuntimeValue
{
    private readonly int[] _shape;

    protected Tensor(DataType dataType, ReadOnlySpan<int> shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new StrataException(ErrorCode.InvalidShape, $"negative dimension in shape {ShapeMath.Format(shape)}", "dimensions must be >= 0");
        DataType = dataType;
        _shape = shape.ToArray();
        Length = ShapeMath.Size(shape);
    }

    public DataType DataType { get; }

    /// <summary>The concrete dims. A copy is not made: do not mutate the returned array.</summary>
    public int[] Shape => _shape;
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    public override ValueType Type => new TensorType(DataType, Core.Shape.Of(_shape));

    /// <summary>The elements as a boxed CLR array (a copy when this tensor is a view of part of a buffer).</summary>
    public abstract Array ToArray();

    /// <summary>A tensor of the same data sharing storage, with another shape of the same size.</summary>
    public abstract Tensor Reshape(ReadOnlySpan<int> shape);

    /// <summary>A deep copy.</summary>
    public abstract Tensor Clone();

    /// <summary>Element <paramref name="flatIndex"/> boxed (slow; for printing and tests).</summary>
    public abstract object? GetValue(int flatIndex);

    public Tensor<T> As<T>()
    {
        if (this is Tensor<T> t) return t;
        throw new StrataException(ErrorCode.TypeMismatch,
            $"expected a tensor of {DataTypes.FromClr(typeof(T)).ShortName()}, got {DataType.ShortName()}",
            "check the element type of the value");
    }

    /// <summary>A zero-filled (empty-string for strings) tensor.</summary>
    public static Tensor Zeros(DataType type, ReadOnlySpan<int> shape) => TensorFactory.Create(type, shape);

    public override string ToString() => $"{DataType.ShortName()}{ShapeMath.Format(_shape)}";
}

/// <summary>A tensor whose elements are <typeparamref name="T"/>; storage is a (possibly shared) <see cref="Memory{T}"/>.</summary>
public sealed class Tensor<T> : Tensor
{
    public Tensor(ReadOnlySpan<int> shape) : this(new T[ShapeMath.Size(shape)], shape) { }

    public Tensor(Memory<T> storage, ReadOnlySpan<int> shape) : base(DataTypes.FromClr(typeof(T)), shape)
    {
        if (storage.Length != Length)
            throw new StrataException(ErrorCode.InvalidShape,
                $"storage has {storage.Length} elements but shape {ShapeMath.Format(shape)} needs {Length}",
                "make the data length equal the product of the dims");
        Memory = storage;
        if (typeof(T) == typeof(string))
        {
            var s = Memory.Span;
            for (int i = 0; i < s.Length; i++) s[i] ??= (T)(object)string.Empty;
        }
    }

    public Memory<T> Memory { get; }
    public Span<T> Span => Memory.Span;

    public T this[int flatIndex]
    {
        get => Memory.Span[flatIndex];
        set => Memory.Span[flatIndex] = value;
    }

    /// <summary>Element at a multi-index.</summary>
    public T At(params int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"index rank {index.Length} != tensor rank {Rank}");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for dim {i} of size {Shape[i]}");
            flat = flat * Shape[i] + index[i];
        }
        return Memory.Span[flat];
    }

    public static Tensor<T> Scalar(T value) => new(new[] { value }, ReadOnlySpan<int>.Empty);

    public static Tensor<T> FromArray(T[] data, params int[] shape) => new(data, shape);

    public override T[] ToArray() => Memory.ToArray();

    public override Tensor<T> Reshape(ReadOnlySpan<int> shape) => new(Memory, shape);
    public override Tensor<T> Clone() => new(Memory.ToArray(), Shape);
    public override object? GetValue(int flatIndex) => Memory.Span[flatIndex];
}
