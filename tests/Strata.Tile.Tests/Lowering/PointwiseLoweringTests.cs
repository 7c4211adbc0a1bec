using CsCheck;
using Strata.Core;
using static Strata.Tile.Tests.Lowering.LoweringCheck;
using static Strata.Tile.Tests.Lowering.RandomData;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Pointwise lowerings on random data, shapes (with broadcasting), element types and attributes, each
/// compared with the reference interpreter.</summary>
public sealed class PointwiseLoweringTests
{
    private static readonly (string Op, double Lo, double Hi)[] FloatUnaries =
    [
        ("Reciprocal", 0.1, 5), ("Sqrt", 0, 9), ("Exp", -5, 5), ("Log", 0.01, 10), ("Ceil", -5, 5), ("Floor", -5, 5),
        ("Round", -5, 5), ("Erf", -3, 3), ("Sin", -5, 5), ("Cos", -5, 5), ("Tan", -1.4, 1.4), ("Asin", -0.99, 0.99),
        ("Acos", -0.99, 0.99), ("Atan", -5, 5), ("Sinh", -3, 3), ("Cosh", -3, 3), ("Asinh", -5, 5), ("Acosh", 1, 9),
        ("Atanh", -0.95, 0.95), ("Sigmoid", -8, 8), ("Tanh", -4, 4), ("Softplus", -8, 8), ("Softsign", -5, 5),
        ("Relu", -5, 5), ("Elu", -4, 4), ("Selu", -4, 4), ("Celu", -4, 4), ("LeakyRelu", -4, 4), ("HardSigmoid", -5, 5),
        ("HardSwish", -5, 5), ("Mish", -5, 5), ("ThresholdedRelu", -3, 3), ("Gelu", -4, 4), ("Abs", -5, 5), ("Neg", -5, 5),
        ("Sign", -2, 2),
    ];

    [Fact]
    public void Float_unary_ops_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var (op, lo, hi) = rng.Pick(FloatUnaries);
            var type = rng.Pick(Floats);
            var x = Tensor(rng, type, Shape(rng), lo, hi);
            var attrs = op switch
            {
                "Elu" or "Celu" or "LeakyRelu" or "ThresholdedRelu" => [A("alpha", (float)(0.1 + rng.NextDouble() * 2))],
                "HardSigmoid" => [A("alpha", (float)rng.NextDouble()), A("beta", (float)rng.NextDouble())],
                "Selu" => [A("alpha", 1.5f), A("gamma", 1.1f)],
                "Gelu" => rng.Next(2) == 0 ? [A("approximate", "tanh")] : [],
                _ => Array.Empty<Graph.Attribute>(),
            };
            Lowers(op, [x], attrs, comparer: Comparer(type));
        }, iter: 300);
    }

    [Fact]
    public void Number_unary_ops_match_the_reference_on_every_numeric_type()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var op = rng.Pick(new[] { "Abs", "Neg", "Sign", "Relu" });
            var type = rng.Pick(Numbers);
            Lowers(op, [Tensor(rng, type, Shape(rng), -100, 100, specials: 0.2)], comparer: Comparer(type));
        }, iter: 150);
    }

    [Fact]
    public void Predicates_and_logic_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var type = rng.Pick(Floats);
            var x = Tensor(rng, type, Shape(rng), specials: 0.5);
            Lowers("IsNaN", [x]);
            Lowers("IsInf", [x], [A("detect_positive", (long)rng.Next(2)), A("detect_negative", (long)rng.Next(2))]);
            var s = BroadcastShapes(rng, 2);
            var (a, b) = (Tensor(rng, DataType.Bool, s[0]), Tensor(rng, DataType.Bool, s[1]));
            Lowers(rng.Pick(new[] { "And", "Or", "Xor" }), [a, b]);
            Lowers("Not", [a]);
        }, iter: 100);
    }

    [Fact]
    public void Broadcasting_arithmetic_and_comparisons_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var op = rng.Pick(new[] { "Add", "Sub", "Mul", "Div", "Mod", "Pow", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "PRelu" });
            var type = rng.Pick(Numbers);
            if (op == "Pow" && type == DataType.UInt64) type = DataType.UInt32; // falls back (see Pow)
            var s = BroadcastShapes(rng, 2);
            bool small = op is "Pow";
            var a = Tensor(rng, type, s[0], small ? -4 : -100, small ? 4 : 100, specials: small ? 0 : 0.1);
            var b = Tensor(rng, type, s[1], small ? -3 : -100, small ? 3 : 100, specials: small ? 0 : 0.1);
            var attrs = op == "Mod" ? [A("fmod", ScalarSemantics.IsFloat(type) ? 1L : rng.Next(2))] : Array.Empty<Graph.Attribute>();
            Lowers(op, [a, b], attrs, comparer: Comparer(type));
        }, iter: 400);
    }

    [Fact]
    public void Pow_with_mixed_base_and_exponent_types_matches_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var (bt, et) = (rng.Pick(Numbers), rng.Pick(Numbers));
            if (bt == DataType.UInt64 && !ScalarSemantics.IsFloat(et)) bt = DataType.Int64;
            var s = BroadcastShapes(rng, 2);
            Lowers("Pow", [Tensor(rng, bt, s[0], 0, 5), Tensor(rng, et, s[1], 0, 3)], comparer: Comparer(bt));
        }, iter: 100);
    }

    /// <summary>An f32 base squared by a constant 2 (f32 or f64, inlined into the kernel as fusion does) is a product,
    /// bit for bit the reference's pow: over random values, NaN, ±∞, ±0, and squares that overflow or leave the
    /// subnormal range.</summary>
    [Fact]
    public void Pow_of_f32_by_a_constant_two_is_an_exact_product()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var x = (Tensor<float>)Tensor(rng, DataType.Float32, [3, 7], -1e4, 1e4, specials: 0.2);
            float[] edges = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 3e19f, -2e19f, 1e-23f, -3e-25f, float.Epsilon];
            foreach (var e in edges) x.Span[rng.Next(x.Length)] = e;
            foreach (var two in new Tensor[] { Tensor<float>.FromArray([2f]), Tensor<double>.FromArray([2.0]) })
            {
                Graph.Graph Build()
                {
                    var g = new Graph.Builder.GraphBuilder("square", 17);
                    g.Output(g.Pow(g.Input("x", DataType.Float32, 3, 7), g.Constant("two", two)), "y");
                    return g.Build();
                }
                var inputs = new Dictionary<string, RuntimeValue> { ["x"] = x };
                var expected = (Tensor<float>)new Graph.GraphInterpreter(NodeHarness.Ops).Run(Build(), inputs)["y"]!;
                var program = new Execution.TileCompiler(new Execution.TileCompilerOptions { Registry = TileRegistry.Default, VerifyEach = true }).Compile(Build(), inputs);
                var actual = (Tensor<float>)new Execution.TileProgramExecutor(TileRegistry.Default).Run(program, inputs)["y"]!;
                for (int i = 0; i < x.Length; i++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected.Span[i]), BitConverter.SingleToInt32Bits(actual.Span[i]));
                var bodies = program.Steps.OfType<KernelStep>().SelectMany(k => k.Kernel.Computations).Select(c => Strata.Tile.Text.TilePrinter.PrintExpr(c.Body));
                Assert.Contains(bodies, b => b.Contains("mul(", StringComparison.Ordinal) && !b.Contains("pow(", StringComparison.Ordinal));
            }
        }, iter: 30);
    }

    [Fact]
    public void Legacy_broadcast_attributes_before_opset_7_are_followed()
    {
        var rng = new Random(7);
        var a = Tensor(rng, DataType.Float32, [2, 3, 4, 5]);
        Lowers("Add", [a, Tensor(rng, DataType.Float32, [3, 4])], [A("broadcast", 1L), A("axis", 1L)], opset: 6);
        Lowers("Mul", [a, Tensor(rng, DataType.Float32, [5])], [A("broadcast", 1L)], opset: 6);
        Lowers("Sub", [a, Tensor(rng, DataType.Float32, [2])], [A("broadcast", 1L), A("axis", 0L)], opset: 6);
    }

    [Fact]
    public void Bitwise_ops_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var type = rng.Pick(Integers);
            var s = BroadcastShapes(rng, 2);
            var (a, b) = (Tensor(rng, type, s[0], null_lo, null_hi), Tensor(rng, type, s[1], null_lo, null_hi));
            Lowers(rng.Pick(new[] { "BitwiseAnd", "BitwiseOr", "BitwiseXor" }), [a, b]);
            Lowers("BitwiseNot", [a]);
            var u = rng.Pick(new[] { DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64 });
            Lowers("BitShift", [Tensor(rng, u, s[0], null_lo, null_hi), Tensor(rng, u, s[1], 0, 70)],
                [A("direction", rng.Next(2) == 0 ? "LEFT" : "RIGHT")]);
        }, iter: 100);
    }

    private const double null_lo = double.MinValue, null_hi = double.MaxValue;

    [Fact]
    public void Variadic_ops_and_where_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var type = rng.Pick(Numbers);
            int n = rng.Next(1, 5);
            var s = BroadcastShapes(rng, n);
            var xs = s.Select(shape => (Tensor?)Tensor(rng, type, shape, -50, 50, specials: 0.1)).ToArray();
            Lowers(rng.Pick(new[] { "Min", "Max", "Sum", "Mean" }), xs, comparer: Comparer(type));
            var w = BroadcastShapes(rng, 3);
            var t = rng.Pick(All);
            Lowers("Where", [Tensor(rng, DataType.Bool, w[0]), Tensor(rng, t, w[1]), Tensor(rng, t, w[2])]);
        }, iter: 150);
    }

    [Fact]
    public void Clip_and_shrink_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var type = rng.Pick(Numbers);
            var x = Tensor(rng, type, Shape(rng), -20, 20, specials: 0.1);
            var lo = Tensor(rng, type, [], -10, 5);
            var hi = Tensor(rng, type, rng.Next(2) == 0 ? [] : [1], -5, 10);
            Lowers("Clip", [x, rng.Next(3) > 0 ? lo : null, rng.Next(3) > 0 ? hi : null], comparer: Comparer(type));
            var attrs = new List<Graph.Attribute>();
            if (rng.Next(2) == 0) attrs.Add(A("min", (float)(rng.NextDouble() * 10 - 8)));
            if (rng.Next(2) == 0) attrs.Add(A("max", (float)(rng.NextDouble() * 10 - 2)));
            Lowers("Clip", [x], [.. attrs], opset: 6, comparer: Comparer(type));
            Lowers("Shrink", [x], [A("bias", (float)rng.NextDouble() * 3), A("lambd", (float)rng.NextDouble() * 4)], comparer: Comparer(type));
        }, iter: 150);
    }

    [Fact]
    public void Cast_between_supported_types_matches_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var (from, to) = (rng.Pick(All), rng.Pick(All));
            var x = ScalarSemantics.IsFloat(from) ? Tensor(rng, from, Shape(rng), -300, 300, specials: 0.3)
                : Tensor(rng, from, Shape(rng), null_lo, null_hi, specials: 0.2);
            Lowers("Cast", [x], [A("to", (long)to)], comparer: Comparer(to));
            Lowers("CastLike", [x, Tensor(rng, to, [1])], comparer: Comparer(to));
        }, iter: 400);
    }

    [Fact]
    public void Identity_dropout_and_batch_normalization_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var type = rng.Pick(Floats);
            var shape = Shape(rng, 4, 4, 1).Prepend(2).ToArray();
            if (shape.Length < 2) shape = [2, 3];
            var x = Tensor(rng, type, shape);
            Lowers("Identity", [x]);
            Lowers("Dropout", [x], outputs: 2, opset: rng.Pick(new[] { 7, 10, 12, 13, 22 }));
            int c = shape[1];
            Tensor P(double lo, double hi) => Tensor(rng, type, [c], lo, hi);
            Lowers("BatchNormalization", [x, P(-2, 2), P(-2, 2), P(-2, 2), P(0.1, 3)], [A("epsilon", 1e-3f)],
                opset: rng.Pick(new[] { 9, 14, 15 }), comparer: Comparer(type));
        }, iter: 60);
    }

    [Fact]
    public void Training_modes_unsupported_types_and_runtime_shapes_fall_back_with_a_reason()
    {
        var rng = new Random(1);
        var x = Tensor(rng, DataType.Float32, [2, 3, 4]);
        Tensor P() => Tensor(rng, DataType.Float32, [3], 0.5, 2);
        FallsBack("BatchNormalization", [x, P(), P(), P(), P()], [A("training_mode", 1L)], outputs: 3, why: "training mode");
        FallsBack("Dropout", [x, Tensor<float>.Scalar(0.5f), Tensor<bool>.Scalar(true)], outputs: 2, constants: [1, 2], why: "training mode");
        FallsBack("Dropout", [x, Tensor<float>.Scalar(0.5f), Tensor<bool>.Scalar(false)], outputs: 2, why: "not known at compile time");
        FallsBack("Equal", [new Tensor<string>(new[] { "a", "b" }, [2]), new Tensor<string>(new[] { "a", "c" }, [2])], why: "element type str");
        FallsBack("Mod", [x, x], why: "fmod");
        FallsBack("Sqrt", [Tensor(rng, DataType.Int32, [3])], why: "floating-point");
        FallsBack("Reshape", [x, Longs(4, 6)], why: "not known at compile time"); // the shape is a graph input
        FallsBack("Cast", [x], [A("to", (long)DataType.Float8E4M3FN)], why: "f8e4m3fn");
    }

    [Fact]
    public void Quantize_and_dequantize_match_the_reference()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var shape = Shape(rng, 3, 4, 1);
            if (shape.Length == 0) shape = [3];
            var q = rng.Pick(new[] { DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16 });
            var f = rng.Pick(Floats);
            int axis = rng.Next(shape.Length);
            long block = rng.Next(3) == 0 ? rng.Next(1, shape[axis] + 1) : 0;
            int[] pshape = rng.Next(3) switch
            {
                0 => [],
                1 when block == 0 => [shape[axis]],
                _ when block > 0 => [.. shape.Select((d, i) => i == axis ? (int)((d + block - 1) / block) : d)],
                _ => [1],
            };
            var attrs = new List<Graph.Attribute> { A("axis", (long)axis) };
            if (block > 0 && pshape.Length == shape.Length) attrs.Add(A("block_size", block));
            var scale = Tensor(rng, f, pshape, 0.05, 2);
            var zero = Tensor(rng, q, pshape, 0, 20);
            var x = Tensor(rng, f, shape, -300, 300, specials: 0.05);
            Lowers("QuantizeLinear", [x, scale, rng.Next(3) == 0 ? null : zero], [.. attrs]);
            Lowers("DequantizeLinear", [Tensor(rng, q, shape, -1000, 1000), scale, rng.Next(3) == 0 ? null : zero], [.. attrs], comparer: Comparer(f));
        }, iter: 200);
    }
}
