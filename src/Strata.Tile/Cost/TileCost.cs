using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>Operation counts of evaluating an expression once (one element): <see cref="Flops"/> are arithmetic,
/// comparison and logic ops on values (not i64), of which <see cref="Transcendentals"/> are special functions
/// (exp, log, sqrt, tanh, erf, gelu, sigmoid, pow, trigonometry…); <see cref="IndexOps"/> are i64 operations
/// (index arithmetic); <see cref="Loads"/> and <see cref="BytesLoaded"/> count element reads (including those of
/// gathered indices); <see cref="Casts"/> count conversions. A select counts its condition plus the costlier
/// branch (only one runs).</summary>
public readonly record struct OpCounts(long Flops, long Transcendentals, long IndexOps, long Loads, long BytesLoaded, long Casts)
{
    public static OpCounts Zero => default;

    public static OpCounts operator +(OpCounts a, OpCounts b) => new(a.Flops + b.Flops, a.Transcendentals + b.Transcendentals,
        a.IndexOps + b.IndexOps, a.Loads + b.Loads, a.BytesLoaded + b.BytesLoaded, a.Casts + b.Casts);

    public static OpCounts operator *(OpCounts a, long n) => new(a.Flops * n, a.Transcendentals * n, a.IndexOps * n,
        a.Loads * n, a.BytesLoaded * n, a.Casts * n);

    public static OpCounts Max(OpCounts a, OpCounts b) => new(Math.Max(a.Flops, b.Flops), Math.Max(a.Transcendentals, b.Transcendentals),
        Math.Max(a.IndexOps, b.IndexOps), Math.Max(a.Loads, b.Loads), Math.Max(a.BytesLoaded, b.BytesLoaded), Math.Max(a.Casts, b.Casts));

    public override string ToString() =>
        $"flops={Flops} transcendentals={Transcendentals} index_ops={IndexOps} loads={Loads} bytes_loaded={BytesLoaded} casts={Casts}";
}

/// <summary>Cost features of one computation: <see cref="PerElement"/> = one evaluation of the body,
/// <see cref="Evaluations"/> = output elements × reduction points, <see cref="Total"/> = the body over all
/// evaluations plus one reduction step per evaluation (counted as a flop), <see cref="BytesStored"/> = the
/// output buffer.</summary>
public sealed record ComputationCost(Computation Computation, OpCounts PerElement, long OutputElements, long ReductionPoints,
    OpCounts Total, long BytesStored)
{
    public long Evaluations => OutputElements * ReductionPoints;
}

/// <summary>Cost features of a kernel: the sum over its computations, the bytes of its parameters (what must move
/// to and from memory at least once) and of its temps, and the arithmetic intensity
/// (<see cref="OpCounts.Flops"/> per parameter byte).</summary>
public sealed record KernelCost(ImmutableArray<ComputationCost> Computations, OpCounts Total, long BytesStored,
    long InputBytes, long OutputBytes, long TempBytes)
{
    public double ArithmeticIntensity => InputBytes + OutputBytes == 0 ? 0 : (double)Total.Flops / (InputBytes + OutputBytes);

    public override string ToString() =>
        $"{Total} bytes_stored={BytesStored} input_bytes={InputBytes} output_bytes={OutputBytes} temp_bytes={TempBytes}";
}

/// <summary>Counts operations by interpreting expressions with an <see cref="IOpsHandler{T}"/> over
/// <see cref="OpCounts"/> (the same expressions the interpreter evaluates and the printer prints), and adds
/// them up per computation and per kernel: features for cost models and the autotuner.</summary>
public sealed class TileCost : IOpsHandler<OpCounts>
{
    private static readonly TileCost Instance = new();

    private TileCost() { }

    /// <summary>The counts of one evaluation of <paramref name="expr"/>.</summary>
    public static OpCounts Of(Expr expr) => expr.Accept(Instance);

    /// <summary>The counts of one computation of <paramref name="kernel"/>, over its whole domain.</summary>
    public static ComputationCost Of(TileKernel kernel, Computation c)
    {
        var perElement = Of(c.Body);
        long outElements = 1;
        foreach (var a in c.Indices) outElements *= kernel.Axis(a).Extent;
        long reductionPoints = 1;
        if (c.Reduce is { } r)
            foreach (var a in r.Axes) reductionPoints *= kernel.Axis(a).Extent;
        long evaluations = outElements * reductionPoints;
        var total = perElement * evaluations;
        if (c.Reduce is not null) total = total with { Flops = total.Flops + evaluations };
        var output = kernel.Buffer(c.Output);
        return new ComputationCost(c, perElement, outElements, reductionPoints, total, output.Size * ElementBytes(output.ElementType));
    }

    /// <summary>The counts of a whole kernel.</summary>
    public static KernelCost Of(TileKernel kernel)
    {
        var comps = kernel.Computations.Select(c => Of(kernel, c)).ToImmutableArray();
        var total = OpCounts.Zero;
        long stored = 0;
        foreach (var c in comps)
        {
            total += c.Total;
            stored += c.BytesStored;
        }
        return new KernelCost(comps, total, stored, Bytes(kernel.Inputs), Bytes(kernel.Outputs), Bytes(kernel.Temps));
    }

    /// <summary>Bytes of one element as stored in a tensor (bool: one byte).</summary>
    public static long ElementBytes(DataType t) => Math.Max(1, t.BitWidth() / 8);

    /// <summary>Whether a unary op is a special function (costlier than an add or a multiply).</summary>
    public static bool IsTranscendental(UnaryOp op) => op is UnaryOp.Exp or UnaryOp.ExpNonPos or UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Rsqrt
        or UnaryOp.Tanh or UnaryOp.Sigmoid or UnaryOp.Erf or UnaryOp.Gelu or UnaryOp.GeluTanh or UnaryOp.Sin or UnaryOp.Cos
        or UnaryOp.Tan or UnaryOp.Asin or UnaryOp.Acos or UnaryOp.Atan or UnaryOp.Sinh or UnaryOp.Cosh or UnaryOp.Asinh
        or UnaryOp.Acosh or UnaryOp.Atanh or UnaryOp.Softplus;

    private static long Bytes(ImmutableArray<TileBuffer> buffers)
    {
        long n = 0;
        foreach (var b in buffers) n += b.Size * ElementBytes(b.ElementType);
        return n;
    }

    public OpCounts IndexVar(string name) => OpCounts.Zero;

    public OpCounts Constant(Scalar value, DataType type) => OpCounts.Zero;

    public OpCounts Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
    {
        var c = new OpCounts(0, 0, 0, 1, ElementBytes(elementType), 0);
        foreach (var i in indices) c += i.Accept(this);
        return c;
    }

    public OpCounts Unary(UnaryOp op, OpCounts x, DataType operandType) =>
        x + (operandType == DataType.Int64
            ? new OpCounts(0, 0, 1, 0, 0, 0)
            : new OpCounts(1, ScalarSemantics.IsFloat(operandType) && IsTranscendental(op) ? 1 : 0, 0, 0, 0, 0));

    public OpCounts Binary(BinaryOp op, OpCounts a, OpCounts b, DataType operandType) =>
        a + b + (operandType == DataType.Int64
            ? new OpCounts(0, 0, 1, 0, 0, 0)
            : new OpCounts(1, op == BinaryOp.Pow && ScalarSemantics.IsFloat(operandType) ? 1 : 0, 0, 0, 0, 0));

    public OpCounts Select(OpCounts condition, Func<OpCounts> ifTrue, Func<OpCounts> ifFalse, DataType type) =>
        condition + OpCounts.Max(ifTrue(), ifFalse()) + (type == DataType.Int64 ? new OpCounts(0, 0, 1, 0, 0, 0) : new OpCounts(1, 0, 0, 0, 0, 0));

    public OpCounts Cast(OpCounts x, DataType from, DataType to) => x + new OpCounts(0, 0, 0, 0, 0, 1);
}
