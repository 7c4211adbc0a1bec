using System.Collections.Immutable;
using System.Text;
using Strata.Core;

namespace Strata.Tile;

/// <summary>The reference interpreter of level 1: evaluates each output element of each computation from its
/// definition. Computations run in order; for each one, every point of its output indices is visited in
/// row-major order and, for a reduction, every point of the reduction axes (row-major) is folded into the
/// element with <see cref="ScalarSemantics.ReduceStep"/> (arg reductions keep the best position with
/// <see cref="ScalarSemantics.ArgReduceBetter"/>). Bodies are evaluated through an <see cref="IOpsHandler{T}"/>
/// over <see cref="Scalar"/>, so every scalar op means what <see cref="ScalarSemantics"/> says. Slow, simple,
/// obviously right.</summary>
public static class TileInterpreter
{
    /// <summary>Runs <paramref name="kernel"/>: <paramref name="inputs"/>[i] is bound to <c>kernel.Inputs[i]</c>;
    /// returns one new tensor per <c>kernel.Outputs</c>, in order.</summary>
    public static Tensor[] Run(TileKernel kernel, IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(inputs);
        CheckInputs(kernel, inputs);

        var buffers = new Dictionary<string, BufferState>(StringComparer.Ordinal);
        for (int i = 0; i < kernel.Inputs.Length; i++) Declare(kernel, buffers, kernel.Inputs[i], inputs[i]);
        var outputs = new Tensor[kernel.Outputs.Length];
        for (int i = 0; i < kernel.Outputs.Length; i++)
            Declare(kernel, buffers, kernel.Outputs[i], outputs[i] = Allocate(kernel, kernel.Outputs[i]));
        foreach (var t in kernel.Temps) Declare(kernel, buffers, t, Allocate(kernel, t));

        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in kernel.Axes)
            if (!slots.TryAdd(a.Name, slots.Count))
                throw Invalid(kernel, $"axis {a.Name} is declared twice", "give every axis a unique name");

        var evaluator = new Evaluator(kernel, buffers, slots);
        foreach (var c in kernel.Computations)
        {
            try
            {
                RunComputation(kernel, c, buffers, slots, evaluator);
            }
            catch (StrataException e) when (e.Location is null)
            {
                throw e.WithLocation($"{Location(kernel)}: computation of %{c.Output}");
            }
        }
        return outputs;
    }

    private static void RunComputation(TileKernel kernel, Computation c, Dictionary<string, BufferState> buffers,
        Dictionary<string, int> slots, Evaluator evaluator)
    {
        if (!buffers.TryGetValue(c.Output, out var output))
            throw Invalid(kernel, $"computation writes undeclared buffer %{c.Output}", "declare the buffer as an output or temp");
        if (output.Buffer.Role == BufferRole.Input)
            throw Invalid(kernel, $"computation writes input %{c.Output}", "inputs are read-only; write a temp or an output");
        if (c.Indices.Length != output.Shape.Length)
            throw Invalid(kernel, $"%{c.Output} has rank {output.Shape.Length} but its computation has {c.Indices.Length} indices",
                "give one index axis per output dim");

        int[] outSlots = new int[c.Indices.Length];
        for (int d = 0; d < c.Indices.Length; d++)
        {
            outSlots[d] = Slot(kernel, slots, c.Indices[d]);
            long extent = kernel.Axes[outSlots[d]].Extent;
            if (extent != output.Shape[d])
                throw Invalid(kernel, $"axis {c.Indices[d]} = {extent} indexes dim {d} of %{c.Output}, which is {output.Shape[d]}",
                    "an output index axis must have the extent of the dim it indexes");
        }

        int[] redSlots = [];
        long[] redExtents = [];
        ReduceOp op = default;
        bool isArg = false;
        var bodyType = c.Body.Type;
        if (c.Reduce is { } r)
        {
            op = r.Op;
            isArg = op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
            redSlots = new int[r.Axes.Length];
            redExtents = new long[r.Axes.Length];
            for (int d = 0; d < r.Axes.Length; d++)
            {
                redSlots[d] = Slot(kernel, slots, r.Axes[d]);
                redExtents[d] = kernel.Axes[redSlots[d]].Extent;
            }
            if (isArg && r.Axes.Length != 1)
                throw Invalid(kernel, $"{op.Name()} into %{c.Output} reduces {r.Axes.Length} axes", "an arg reduction takes exactly one axis");
        }
        var resultType = isArg ? DataType.Int64 : bodyType;
        if (resultType != output.Buffer.ElementType)
            throw new StrataException(ErrorCode.TypeMismatch,
                $"computation of %{c.Output} yields {resultType.ShortName()} but the buffer holds {output.Buffer.ElementType.ShortName()}",
                "cast the body to the buffer's element type", Location(kernel));

        evaluator.Begin(c, outSlots, redSlots);
        long[] env = evaluator.Env;
        long size = output.Buffer.Size;
        for (int d = 0; d < outSlots.Length; d++) env[outSlots[d]] = 0;
        for (long flat = 0; flat < size; flat++)
        {
            Scalar value;
            if (c.Reduce is null) value = c.Body.Accept(evaluator);
            else if (isArg) value = ArgReduce(c.Body, evaluator, env, redSlots[0], redExtents[0], op, bodyType);
            else value = Reduce(c.Body, evaluator, env, redSlots, redExtents, op, bodyType);
            ScalarSemantics.Write(output.Tensor, (int)flat, value);
            Increment(env, outSlots, output.Shape);
        }
        evaluator.End();
    }

    private static Scalar Reduce(Expr body, Evaluator evaluator, long[] env, int[] redSlots, long[] redExtents, ReduceOp op, DataType type)
    {
        var acc = ScalarSemantics.ReduceInit(op, type);
        long count = 1;
        foreach (var e in redExtents) count *= e;
        for (int d = 0; d < redSlots.Length; d++) env[redSlots[d]] = 0;
        for (long i = 0; i < count; i++)
        {
            acc = ScalarSemantics.ReduceStep(op, type, acc, body.Accept(evaluator));
            Increment(env, redSlots, redExtents);
        }
        return acc;
    }

    private static Scalar ArgReduce(Expr body, Evaluator evaluator, long[] env, int slot, long extent, ReduceOp op, DataType type)
    {
        long bestIndex = 0;
        Scalar best = default;
        for (long k = 0; k < extent; k++)
        {
            env[slot] = k;
            var v = body.Accept(evaluator);
            if (k == 0 || ScalarSemantics.ArgReduceBetter(op, type, best, v))
            {
                best = v;
                bestIndex = k;
            }
        }
        return Scalar.Int(bestIndex);
    }

    /// <summary>Advances the row-major counter held in <paramref name="env"/> at <paramref name="slots"/>.</summary>
    private static void Increment(long[] env, int[] slots, long[] extents)
    {
        for (int d = slots.Length - 1; d >= 0; d--)
        {
            if (++env[slots[d]] < extents[d]) return;
            env[slots[d]] = 0;
        }
    }

    private static int Slot(TileKernel kernel, Dictionary<string, int> slots, string axis) =>
        slots.TryGetValue(axis, out int s) ? s : throw Invalid(kernel, $"axis {axis} is not declared", "declare it in the kernel's axes");

    private static void CheckInputs(TileKernel kernel, IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != kernel.Inputs.Length)
            throw new StrataException(ErrorCode.InvalidArgument,
                $"kernel @{kernel.Name} takes {kernel.Inputs.Length} inputs ({string.Join(", ", kernel.Inputs.Select(b => "%" + b.Name + ": " + b.TypeText))}), got {inputs.Count}",
                "pass one tensor per kernel input, in order", Location(kernel));
        for (int i = 0; i < inputs.Count; i++)
        {
            var b = kernel.Inputs[i];
            var t = inputs[i] ?? throw new StrataException(ErrorCode.MissingInput, $"input {i} (%{b.Name}) is null", "pass a tensor", Location(kernel));
            if (t.DataType != b.ElementType)
                throw new StrataException(ErrorCode.InputTypeMismatch,
                    $"input {i} (%{b.Name}) must be {b.ElementType.ShortName()}, got {t.DataType.ShortName()}",
                    $"pass a {b.TypeText} tensor", Location(kernel));
            if (t.Rank != b.Rank || !t.Shape.Select(d => (long)d).SequenceEqual(b.Shape))
                throw new StrataException(ErrorCode.InputShapeMismatch,
                    $"input {i} (%{b.Name}) must have shape [{string.Join(",", b.Shape)}], got {ShapeMath.Format(t.Shape)}",
                    $"pass a {b.TypeText} tensor", Location(kernel));
        }
    }

    private static Tensor Allocate(TileKernel kernel, TileBuffer b)
    {
        if (!ScalarSemantics.IsSupported(b.ElementType))
            throw new StrataException(ErrorCode.UnsupportedDataType, $"%{b.Name} has element type {b.ElementType.ShortName()}, which Tile kernels do not compute",
                "such values run in fallback kernels", Location(kernel));
        var shape = new int[b.Rank];
        for (int d = 0; d < shape.Length; d++)
            shape[d] = b.Shape[d] is >= 0 and <= int.MaxValue ? (int)b.Shape[d]
                : throw Invalid(kernel, $"%{b.Name} has dim {b.Shape[d]}", "dims must be between 0 and 2^31-1");
        if (b.Size > int.MaxValue) throw Invalid(kernel, $"%{b.Name} has {b.Size} elements", "tensors hold at most 2^31-1 elements");
        return TensorFactory.Create(b.ElementType, shape);
    }

    private static void Declare(TileKernel kernel, Dictionary<string, BufferState> buffers, TileBuffer b, Tensor t)
    {
        if (!buffers.TryAdd(b.Name, new BufferState(b, t)))
            throw Invalid(kernel, $"buffer %{b.Name} is declared twice", "give every buffer a unique name");
    }

    private static string Location(TileKernel kernel) => $"tile kernel @{kernel.Name}";

    private static StrataException Invalid(TileKernel kernel, string message, string hint) =>
        new(ErrorCode.InvalidIr, message, hint, Location(kernel));

    /// <summary>A buffer with its tensor, shape and row-major strides.</summary>
    private sealed class BufferState
    {
        public BufferState(TileBuffer buffer, Tensor tensor)
        {
            Buffer = buffer;
            Tensor = tensor;
            Shape = [.. buffer.Shape];
            Strides = new long[Shape.Length];
            long s = 1;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                Strides[d] = s;
                s *= Shape[d];
            }
        }

        public TileBuffer Buffer { get; }
        public Tensor Tensor { get; }
        public long[] Shape { get; }
        public long[] Strides { get; }
    }

    /// <summary>Evaluates a body at the current point of <see cref="Env"/> (one value per axis slot).</summary>
    private sealed class Evaluator(TileKernel kernel, Dictionary<string, BufferState> buffers, Dictionary<string, int> slots) : IOpsHandler<Scalar>
    {
        private readonly bool[] _inScope = new bool[slots.Count];
        private Computation? _current;

        public long[] Env { get; } = new long[slots.Count];

        public void Begin(Computation c, int[] outSlots, int[] redSlots)
        {
            _current = c;
            foreach (var s in outSlots) _inScope[s] = true;
            foreach (var s in redSlots) _inScope[s] = true;
        }

        public void End()
        {
            _current = null;
            Array.Clear(_inScope);
        }

        public Scalar IndexVar(string name)
        {
            if (!slots.TryGetValue(name, out int s) || !_inScope[s])
                throw Invalid(kernel, $"index variable {name} is not in scope in the computation of %{_current?.Output}",
                    "use only the computation's output indices and reduction axes");
            return Scalar.Int(Env[s]);
        }

        public Scalar Constant(Scalar value, DataType type) => value;

        public Scalar Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
        {
            if (!buffers.TryGetValue(buffer, out var b))
                throw Invalid(kernel, $"load of undeclared buffer %{buffer}", "declare the buffer");
            if (indices.Length != b.Shape.Length)
                throw Invalid(kernel, $"load of %{buffer} has {indices.Length} indices but the buffer has rank {b.Shape.Length}",
                    "give one index per dim");
            if (elementType != b.Buffer.ElementType)
                throw new StrataException(ErrorCode.TypeMismatch,
                    $"load of %{buffer} is typed {elementType.ShortName()} but the buffer holds {b.Buffer.ElementType.ShortName()}",
                    "type the load with the buffer's element type", Location(kernel));
            long offset = 0;
            bool inRange = true;
            Span<long> values = indices.Length <= 8 ? stackalloc long[indices.Length] : new long[indices.Length];
            for (int d = 0; d < indices.Length; d++)
            {
                long i = indices[d].Accept(this).I;
                values[d] = i;
                if (i < 0 || i >= b.Shape[d]) inRange = false;
                offset += i * b.Strides[d];
            }
            if (!inRange) throw OutOfRange(buffer, b, values);
            return ScalarSemantics.Read(b.Tensor, (int)offset);
        }

        public Scalar Unary(UnaryOp op, Scalar x, DataType operandType) => ScalarSemantics.Unary(op, operandType, x);

        public Scalar Binary(BinaryOp op, Scalar a, Scalar b, DataType operandType) => ScalarSemantics.Binary(op, operandType, a, b);

        public Scalar Select(Scalar condition, Func<Scalar> ifTrue, Func<Scalar> ifFalse, DataType type) =>
            condition.AsBool ? ifTrue() : ifFalse();

        public Scalar Cast(Scalar x, DataType from, DataType to) => ScalarSemantics.Cast(x, from, to);

        private StrataException OutOfRange(string buffer, BufferState b, ReadOnlySpan<long> values)
        {
            var sb = new StringBuilder();
            sb.Append("load %").Append(buffer).Append('[').AppendJoin(", ", values.ToArray()).Append("] is out of range for ")
              .Append(b.Buffer.TypeText).Append(" in kernel @").Append(kernel.Name);
            if (_current is { } c)
            {
                sb.Append(" (computing %").Append(c.Output).Append(" at ");
                bool first = true;
                foreach (var a in c.Indices.Concat(c.Reduce?.Axes ?? []))
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    sb.Append(a).Append(" = ").Append(Env[slots[a]]);
                }
                sb.Append(')');
            }
            return new StrataException(ErrorCode.IndexOutOfRange, sb.ToString(),
                "guard out-of-range positions with a select, or fix the index expression", Location(kernel));
        }
    }
}
