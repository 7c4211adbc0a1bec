using Strata.Core;

namespace Strata.Graph.Builder;

// Methods for the common ONNX ops. Each adds one node (or a few where the op needs constant inputs) and
// follows the builder's opset where an op changed across versions (axes as attribute or input, Gelu).
// Anything else: Op("OpType", inputs, attributes, domain, outputs: n).
public sealed partial class GraphBuilder
{
    private Var Unary(string op, Var x, string? name, params Attribute[] attributes) => Op(op, [x], attributes, name: name);
    private Var Binary(string op, Var a, Var b, string? name) => Op(op, [a, b], name: name);

    // ---- elementwise -------------------------------------------------------------------------------------

    public Var Add(Var a, Var b, string? name = null) => Binary("Add", a, b, name);
    public Var Sub(Var a, Var b, string? name = null) => Binary("Sub", a, b, name);
    public Var Mul(Var a, Var b, string? name = null) => Binary("Mul", a, b, name);
    public Var Div(Var a, Var b, string? name = null) => Binary("Div", a, b, name);
    public Var Pow(Var a, Var b, string? name = null) => Binary("Pow", a, b, name);
    public Var Equal(Var a, Var b, string? name = null) => Binary("Equal", a, b, name);
    public Var Less(Var a, Var b, string? name = null) => Binary("Less", a, b, name);
    public Var Greater(Var a, Var b, string? name = null) => Binary("Greater", a, b, name);
    public Var And(Var a, Var b, string? name = null) => Binary("And", a, b, name);
    public Var Or(Var a, Var b, string? name = null) => Binary("Or", a, b, name);
    public Var Max(params Var[] xs) => Op("Max", xs);
    public Var Min(params Var[] xs) => Op("Min", xs);
    public Var Sum(params Var[] xs) => Op("Sum", xs);
    public Var Where(Var condition, Var x, Var y, string? name = null) => Op("Where", [condition, x, y], name: name);

    public Var Relu(Var x, string? name = null) => Unary("Relu", x, name);
    public Var Sigmoid(Var x, string? name = null) => Unary("Sigmoid", x, name);
    public Var Tanh(Var x, string? name = null) => Unary("Tanh", x, name);
    public Var Exp(Var x, string? name = null) => Unary("Exp", x, name);
    public Var Log(Var x, string? name = null) => Unary("Log", x, name);
    public Var Sqrt(Var x, string? name = null) => Unary("Sqrt", x, name);
    public Var Neg(Var x, string? name = null) => Unary("Neg", x, name);
    public Var Abs(Var x, string? name = null) => Unary("Abs", x, name);
    public Var Erf(Var x, string? name = null) => Unary("Erf", x, name);
    public Var Reciprocal(Var x, string? name = null) => Unary("Reciprocal", x, name);
    public Var Floor(Var x, string? name = null) => Unary("Floor", x, name);
    public Var Ceil(Var x, string? name = null) => Unary("Ceil", x, name);
    public Var Not(Var x, string? name = null) => Unary("Not", x, name);
    public Var Identity(Var x, string? name = null) => Unary("Identity", x, name);

    public Var LeakyRelu(Var x, float alpha = 0.01f, string? name = null) => Unary("LeakyRelu", x, name, Attribute.Of("alpha", alpha));

    public Var Clip(Var x, Var? min = null, Var? max = null, string? name = null) => Op("Clip", [x, min, max], name: name);

    /// <summary>Gelu (<paramref name="approximate"/> "none" or "tanh"). Opset 20 has the op; for older opsets
    /// it is written out: 0.5·x·(1 + erf(x/√2)), or the tanh form.</summary>
    public Var Gelu(Var x, string approximate = "none", string? name = null)
    {
        if (Opset >= 20) return Unary("Gelu", x, name, Attribute.Of("approximate", approximate));
        Var inner = approximate == "tanh"
            ? Tanh((x + 0.044715f * x * x * x) * MathF.Sqrt(2f / MathF.PI))
            : Erf(x * (1f / MathF.Sqrt(2f)));
        return Mul(x * 0.5f, inner + 1f, name);
    }

    public Var Cast(Var x, DataType to, string? name = null) => Unary("Cast", x, name, Attribute.Of("to", (long)to));

    // ---- linear algebra and nn ---------------------------------------------------------------------------

    public Var MatMul(Var a, Var b, string? name = null) => Binary("MatMul", a, b, name);

    /// <summary>Gemm: alpha·A'·B' + beta·C, with A' = Aᵀ if <paramref name="transA"/> (likewise B).</summary>
    public Var Gemm(Var a, Var b, Var? c = null, float alpha = 1f, float beta = 1f, bool transA = false, bool transB = false, string? name = null)
    {
        var attrs = new List<Attribute>();
        if (alpha != 1f) attrs.Add(Attribute.Of("alpha", alpha));
        if (beta != 1f) attrs.Add(Attribute.Of("beta", beta));
        if (transA) attrs.Add(Attribute.Of("transA", 1L));
        if (transB) attrs.Add(Attribute.Of("transB", 1L));
        return Op("Gemm", c is null ? [a, b] : [a, b, c], attrs, name: name);
    }

    public Var Softmax(Var x, long axis = -1, string? name = null) => Unary("Softmax", x, name, Attribute.Of("axis", axis));
    public Var LogSoftmax(Var x, long axis = -1, string? name = null) => Unary("LogSoftmax", x, name, Attribute.Of("axis", axis));

    /// <summary>LayerNormalization over the dims from <paramref name="axis"/> on (opset 17+).</summary>
    public Var LayerNormalization(Var x, Var scale, Var? bias = null, long axis = -1, float epsilon = 1e-5f, string? name = null) =>
        Op("LayerNormalization", bias is null ? [x, scale] : [x, scale, bias],
            [Attribute.Of("axis", axis), Attribute.Of("epsilon", epsilon)], name: name);

    public Var BatchNormalization(Var x, Var scale, Var bias, Var mean, Var variance, float epsilon = 1e-5f, string? name = null) =>
        Op("BatchNormalization", [x, scale, bias, mean, variance], [Attribute.Of("epsilon", epsilon)], name: name);

    /// <summary>Conv; attributes that are null are left out (the op's defaults apply).</summary>
    public Var Conv(Var x, Var w, Var? b = null, long[]? strides = null, long[]? pads = null, long[]? dilations = null,
        long group = 1, long[]? kernelShape = null, string? autoPad = null, string? name = null)
    {
        var attrs = new List<Attribute>();
        if (autoPad is not null) attrs.Add(Attribute.Of("auto_pad", autoPad));
        if (dilations is not null) attrs.Add(Attribute.Of("dilations", dilations));
        if (group != 1) attrs.Add(Attribute.Of("group", group));
        if (kernelShape is not null) attrs.Add(Attribute.Of("kernel_shape", kernelShape));
        if (pads is not null) attrs.Add(Attribute.Of("pads", pads));
        if (strides is not null) attrs.Add(Attribute.Of("strides", strides));
        return Op("Conv", b is null ? [x, w] : [x, w, b], attrs, name: name);
    }

    public Var MaxPool(Var x, long[] kernelShape, long[]? strides = null, long[]? pads = null, string? name = null) =>
        Op("MaxPool", [x], PoolAttributes(kernelShape, strides, pads), name: name);

    public Var AveragePool(Var x, long[] kernelShape, long[]? strides = null, long[]? pads = null, string? name = null) =>
        Op("AveragePool", [x], PoolAttributes(kernelShape, strides, pads), name: name);

    public Var GlobalAveragePool(Var x, string? name = null) => Unary("GlobalAveragePool", x, name);

    private static List<Attribute> PoolAttributes(long[] kernelShape, long[]? strides, long[]? pads)
    {
        var attrs = new List<Attribute> { Attribute.Of("kernel_shape", kernelShape) };
        if (pads is not null) attrs.Add(Attribute.Of("pads", pads));
        if (strides is not null) attrs.Add(Attribute.Of("strides", strides));
        return attrs;
    }

    // ---- shapes ------------------------------------------------------------------------------------------

    /// <summary>Reshape to a constant shape (0 copies a dim, -1 infers one).</summary>
    public Var Reshape(Var x, params long[] shape) => Op("Reshape", [x, Constant(shape)]);

    public Var Reshape(Var x, Var shape, string? name = null) => Op("Reshape", [x, shape], name: name);

    public Var Transpose(Var x, params long[] perm) =>
        perm.Length == 0 ? Op("Transpose", [x]) : Op("Transpose", [x], [Attribute.Of("perm", perm)]);

    public Var Concat(long axis, params Var[] xs) => Op("Concat", xs, [Attribute.Of("axis", axis)]);

    public Var Flatten(Var x, long axis = 1, string? name = null) => Unary("Flatten", x, name, Attribute.Of("axis", axis));

    public Var Shape(Var x, string? name = null) => Unary("Shape", x, name);

    public Var Gather(Var x, Var indices, long axis = 0, string? name = null) =>
        Op("Gather", [x, indices], [Attribute.Of("axis", axis)], name: name);

    /// <summary>Squeeze <paramref name="axes"/> (all size-1 dims if none); axes are an input from opset 13.</summary>
    public Var Squeeze(Var x, params long[] axes) => AxesOp("Squeeze", x, axes, 13, keepdims: null);

    /// <summary>Unsqueeze (insert size-1 dims at <paramref name="axes"/>); axes are an input from opset 13.</summary>
    public Var Unsqueeze(Var x, params long[] axes) => AxesOp("Unsqueeze", x, axes, 13, keepdims: null);

    /// <summary>Slice with constant starts/ends (and optional axes/steps).</summary>
    public Var Slice(Var x, long[] starts, long[] ends, long[]? axes = null, long[]? steps = null, string? name = null)
    {
        var inputs = new List<Var?> { x, Constant(starts), Constant(ends) };
        if (axes is not null || steps is not null) inputs.Add(axes is null ? null : Constant(axes));
        if (steps is not null) inputs.Add(Constant(steps));
        return Op("Slice", inputs, name: name);
    }

    /// <summary>Split along <paramref name="axis"/> into pieces of the given sizes (one output per size).</summary>
    public OpResult Split(Var x, long axis, params long[] sizes)
    {
        if (Opset >= 13)
            return Op("Split", [x, Constant(sizes)], [Attribute.Of("axis", axis)], outputs: sizes.Length);
        return Op("Split", [x], [Attribute.Of("axis", axis), Attribute.Of("split", sizes)], outputs: sizes.Length);
    }

    // ---- reductions --------------------------------------------------------------------------------------

    public Var ReduceMean(Var x, long[]? axes = null, bool keepdims = true) => AxesOp("ReduceMean", x, axes, 18, keepdims);
    public Var ReduceSum(Var x, long[]? axes = null, bool keepdims = true) => AxesOp("ReduceSum", x, axes, 13, keepdims);
    public Var ReduceMax(Var x, long[]? axes = null, bool keepdims = true) => AxesOp("ReduceMax", x, axes, 18, keepdims);
    public Var ReduceMin(Var x, long[]? axes = null, bool keepdims = true) => AxesOp("ReduceMin", x, axes, 18, keepdims);

    public Var ArgMax(Var x, long axis = 0, bool keepdims = true) =>
        Op("ArgMax", [x], [Attribute.Of("axis", axis), Attribute.Of("keepdims", keepdims ? 1L : 0L)]);

    /// <summary>An op whose axes became an input at <paramref name="inputSince"/> (an attribute before).</summary>
    private Var AxesOp(string op, Var x, long[]? axes, int inputSince, bool? keepdims)
    {
        var attrs = new List<Attribute>();
        if (keepdims is { } k) attrs.Add(Attribute.Of("keepdims", k ? 1L : 0L));
        bool hasAxes = axes is { Length: > 0 };
        if (Opset >= inputSince)
            return Op(op, hasAxes ? [x, Constant(axes!)] : [x], attrs);
        if (hasAxes) attrs.Add(Attribute.Of("axes", axes!));
        return Op(op, [x], attrs);
    }

    // ---- control flow ------------------------------------------------------------------------------------

    /// <summary>If: runs <paramref name="thenBranch"/> or <paramref name="elseBranch"/> (graphs with no inputs,
    /// built with <see cref="Subgraph"/>); one output per branch output.</summary>
    public OpResult If(Var condition, Graph thenBranch, Graph elseBranch)
    {
        if (thenBranch.Outputs.Count != elseBranch.Outputs.Count)
            throw new StrataException(ErrorCode.InvalidArgument,
                $"the branches of If have {thenBranch.Outputs.Count} and {elseBranch.Outputs.Count} outputs",
                "give both branches the same number of outputs");
        return Op("If", [condition], [Attribute.Of("then_branch", thenBranch), Attribute.Of("else_branch", elseBranch)],
            outputs: thenBranch.Outputs.Count);
    }
}
