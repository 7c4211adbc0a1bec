using Strata.Core;
using Strata.Graph;
using Strata.Graph.Builder;
using Strata.Tile.Execution;
using Strata.Tile.Fusion;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Fusion;

/// <summary>How the fusion pass partitions graphs: fallbacks and their reasons and placement, kernel outputs,
/// materialisation, determinism, and errors from lowerings that contradict the graph.</summary>
public sealed class FusionPassTests
{
    /// <summary>Built-in ops with only the lowerings given (so tests decide what lowers).</summary>
    private static ExtensionRegistry Only(params (string Op, Func<TileLoweringContext, IReadOnlyList<TileValue?>?> Lower)[] lowerings)
    {
        var r = new ExtensionRegistry();
        r.Load(new BuiltinOpsPlugin());
        foreach (var (op, lower) in lowerings) r.AddLowering("", op, new TileLowering(lower));
        return r;
    }

    private static IReadOnlyList<TileValue?> AddLowering(TileLoweringContext c) => [TestLowerings.Binary(c, BinaryOp.Add)];
    private static IReadOnlyList<TileValue?> MulLowering(TileLoweringContext c) => [TestLowerings.Binary(c, BinaryOp.Mul)];

    private static Dictionary<string, RuntimeValue> Inputs(Graph.Graph g) => FusionHarness.RandomInputs(g, 7);

    private static void RunsLikeReference(Graph.Graph graph, TileProgram program, ExtensionRegistry registry)
    {
        var inputs = Inputs(graph);
        FusionHarness.AssertClose(new GraphInterpreter(new OpRegistry(registry)).Run(graph, inputs),
            new TileProgramExecutor(registry).Run(program, inputs));
    }

    [Fact]
    public void NodeWithoutLowering_IsFallback_WithReason_BetweenKernels()
    {
        var g = new GraphBuilder("fb", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var r = g.Relu(x + 1f);
        g.Output(r * 2f, "y");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering), ("Mul", MulLowering));
        var program = new FusionPass(registry).Run(graph);

        Assert.Collection(program.Steps,
            s => Assert.Equal(["Add"], Assert.IsType<KernelStep>(s).Nodes.Select(n => n.OpType)),
            s => Assert.Equal("no Tile lowering is registered for Relu", Assert.IsType<FallbackStep>(s).Reason),
            s => Assert.Equal(["Mul"], Assert.IsType<KernelStep>(s).Nodes.Select(n => n.OpType)));
        Assert.Equal(["fb.k0", "fb.k1"], program.Kernels.Select(k => k.Kernel.Name));
        RunsLikeReference(graph, program, registry);
        var stats = LoweringStats.Of(program);
        Assert.Equal((2, 1), (stats.Lowered, stats.Fallback));
        Assert.Contains(stats.ByOp, c => c is { Op: "Relu", Fallback: 1, Lowered: 0 });
    }

    [Fact]
    public void DecliningLowering_IsUndone_AndItsReasonReported()
    {
        var g = new GraphBuilder("decline", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        g.Output(g.Relu(x + 1f), "y");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering), ("Relu", c =>
        {
            c.Builder.Materialize(c.Input(0), "scratch");
            c.Builder.NewAxis(5, "junk");
            return c.Decline("a test lowering that refuses");
        }));
        var program = new FusionPass(registry).Run(graph);

        var fallback = Assert.Single(program.Fallbacks);
        Assert.Equal("the lowering of Relu declined: a test lowering that refuses", fallback.Reason);
        var text = TilePrinter.Print(Assert.Single(program.Kernels).Kernel);
        Assert.DoesNotContain("scratch", text);
        Assert.DoesNotContain("junk", text);
        RunsLikeReference(graph, program, registry);
    }

    [Fact]
    public void LoweringThatDeclinesInsideTheOpenKernel_GetsAKernelOfItsOwn()
    {
        var g = new GraphBuilder("retry", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        g.Output(g.Relu(x + 1f), "y");
        var graph = g.Build();
        // A test lowering that only accepts an input read straight from a buffer.
        var registry = Only(("Add", AddLowering), ("Relu", c =>
            c.Input(0).At(Expr.Var("a"), Expr.Var("b")) is Load ? [TestLowerings.Unary(c.Input(0), UnaryOp.Relu)] : c.Decline("input is computed")));
        var program = new FusionPass(registry).Run(graph);

        Assert.Empty(program.Fallbacks);
        Assert.Equal([["Add"], ["Relu"]], program.Kernels.Select(k => k.Nodes.Select(n => n.OpType).ToArray()));
        RunsLikeReference(graph, program, registry);
    }

    [Fact]
    public void IndependentFallback_RunsBeforeTheOpenKernel_WhichStaysOpen()
    {
        var g = new GraphBuilder("order", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var a = x + 1f;
        var r = g.Relu(x);
        g.Output(a * 2f, "y");
        g.Output(r, "r");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering), ("Mul", MulLowering));
        var program = new FusionPass(registry).Run(graph);

        Assert.Collection(program.Steps,
            s => Assert.Equal("Relu", Assert.IsType<FallbackStep>(s).Node.OpType),
            s => Assert.Equal(["Add", "Mul"], Assert.IsType<KernelStep>(s).Nodes.Select(n => n.OpType)));
        RunsLikeReference(graph, program, registry);
    }

    [Fact]
    public void ValuesReadOutsideTheKernel_BecomeOutputs_OthersStayInside()
    {
        var g = new GraphBuilder("escape", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var a = x + 1f;
        var b = a * 2f;
        var c = b + 3f;
        g.Output(c, "y");
        g.Output(a, "a");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering), ("Mul", MulLowering));
        var program = new FusionPass(registry).Run(graph);

        var step = Assert.Single(program.Kernels);
        Assert.Equal(["a", "y"], step.Outputs.Select(v => v.Name).Order());
        Assert.Equal(2, step.Kernel.Outputs.Length);
        Assert.Empty(step.Kernel.Temps);
        RunsLikeReference(graph, program, registry);
    }

    [Fact]
    public void CostlyValueReadTwice_IsMaterialized_CheapOneIsInlined()
    {
        var g = new GraphBuilder("reuse", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var cheap = x - 1f;
        var costly = g.Exp(x);
        g.Output(cheap * cheap + costly * costly, "y");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering), ("Mul", MulLowering), ("Sub", c => [TestLowerings.Binary(c, BinaryOp.Sub)]),
            ("Exp", c => [TestLowerings.Unary(c.Input(0), UnaryOp.Exp)]));
        var program = new FusionPass(registry).Run(graph);

        var kernel = Assert.Single(program.Kernels).Kernel;
        var temp = Assert.Single(kernel.Temps);
        Assert.Equal(costly.Name, temp.Name);
        Assert.Contains("mul(sub(%x[", TilePrinter.Print(kernel));
        RunsLikeReference(graph, program, registry);
    }

    [Fact]
    public void RepeatedlySharedValues_DoNotExplode()
    {
        var g = new GraphBuilder("explode", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var v = x;
        for (int i = 0; i < 40; i++) v = g.Add(v, v);
        g.Output(v, "y");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering));
        var program = new FusionPass(registry).Run(graph);

        var kernel = Assert.Single(program.Kernels).Kernel;
        Assert.True(kernel.Temps.Length is > 0 and < 40, $"{kernel.Temps.Length} temps");
        Assert.True(TilePrinter.Print(kernel).Length < 20_000);
        RunsLikeReference(graph, program, registry);
    }

    [Fact]
    public void ViewPrologue_FusesIntoTheContraction_ArithmeticPrologueDoesNot()
    {
        static Graph.Graph Build(bool view)
        {
            var g = new GraphBuilder(view ? "view_prologue" : "relu_prologue", opset: 17);
            var x = g.Input("x", DataType.Float32, 8, 4);
            var a = view ? g.Transpose(x, 1, 0) : g.Relu(g.Transpose(x, 1, 0));
            g.Output(g.MatMul(a, g.Constant("w", FusionModels.Random(1, 8, 5))), "y");
            return g.Build();
        }
        var viewProgram = FusionHarness.CheckAgainstReference(() => Build(view: true));
        var kernel = Assert.Single(viewProgram.Kernels).Kernel;
        Assert.Contains("mul(%x[k, m], %w[k, n])", TilePrinter.Print(kernel));
        var reluProgram = FusionHarness.CheckAgainstReference(() => Build(view: false));
        Assert.Equal(2, reluProgram.Kernels.Count());
    }

    [Fact]
    public void Fusion_IsDeterministic()
    {
        static string Compile()
        {
            var program = new TileCompiler(FusionHarness.Options).Compile(FusionModels.LayerNormWrittenOut(),
                FusionHarness.RandomInputs(FusionModels.LayerNormWrittenOut(), 0));
            return TileCompiler.Describe(program) + string.Concat(program.Kernels.Select(k => TilePrinter.Print(k.Kernel)));
        }
        Assert.Equal(Compile(), Compile());
    }

    [Fact]
    public void LoweringThatContradictsTheGraphType_IsAnError()
    {
        var g = new GraphBuilder("bad", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        g.Output(g.Relu(x), "y");
        var registry = Only(("Relu", c => [new TileValue(DataType.Float32, [3, 2], _ => Constant.Of(0, DataType.Float32))]));
        var e = Assert.Throws<StrataException>(() => new FusionPass(registry).Run(g.Build()));
        Assert.Equal(ErrorCode.InvalidIr, e.Code);
        Assert.Contains("f32[3,2]", e.Message);
        Assert.Contains("Relu", e.Message);
    }

    [Fact]
    public void FallbackWithSubgraph_ReadingAKernelValue_GetsItAsAKernelOutput()
    {
        var g = new GraphBuilder("iffy", opset: 17);
        var x = g.Input("x", DataType.Float32, 2, 3);
        var cond = g.Input("cond", DataType.Bool);
        var a = x + 1f;
        var then = g.Subgraph("then");
        then.Output(then.Identity(a), "t_out");
        var otherwise = g.Subgraph("else");
        otherwise.Output(otherwise.Neg(a), "e_out");
        var branch = g.If(cond, then.Build(), otherwise.Build())[0];
        g.Output(branch * 2f, "y");
        var graph = g.Build();
        var registry = Only(("Add", AddLowering), ("Mul", MulLowering));
        var program = new FusionPass(registry).Run(graph);

        Assert.Collection(program.Steps,
            s => Assert.Equal([a.Name], Assert.IsType<KernelStep>(s).Outputs.Select(v => v.Name)),
            s => Assert.Equal("If", Assert.IsType<FallbackStep>(s).Node.OpType),
            s => Assert.IsType<KernelStep>(s));
        foreach (var c in new[] { true, false })
        {
            var inputs = Inputs(graph);
            inputs["cond"] = Tensor<bool>.Scalar(c);
            FusionHarness.AssertClose(new GraphInterpreter(new OpRegistry(registry)).Run(graph, inputs),
                new TileProgramExecutor(registry).Run(program, inputs));
        }
    }

    [Fact]
    public void SmallInputs_CanBeSpecialised_StillRunAsKernels_AndTheProgramChecksThem()
    {
        var g = new GraphBuilder("spec", opset: 17);
        var n = g.Input("n", DataType.Int64, 2);
        var x = g.Input("x", DataType.Float32, 2);
        g.Output(g.Add(n, n), "twice");
        g.Output(x + 1f, "y");
        var graph = g.Build();
        var inputs = new Dictionary<string, RuntimeValue>
        {
            ["n"] = Tensor<long>.FromArray([3, 4], 2),
            ["x"] = Tensor<float>.FromArray([1, 2], 2),
        };
        var compiler = new TileCompiler(FusionHarness.Options with { SpecializeSmallInputs = 16 });
        var (program, stats) = compiler.CompileCounted(graph, inputs);

        Assert.Equal((2, 0, 0), (stats.Lowered, stats.Fallback, stats.Removed));
        Assert.DoesNotContain(program.Source.Inputs, v => v.Name == "n");
        var outputs = new TileProgramExecutor(FusionHarness.Registry).Run(program, inputs);
        Assert.Equal([6L, 8L], ((Tensor<long>)outputs["twice"]!).ToArray());
        inputs["n"] = Tensor<long>.FromArray([3, 5], 2);
        var e = Assert.Throws<StrataException>(() => new TileProgramExecutor(FusionHarness.Registry).Run(program, inputs));
        Assert.Contains("compiled with 'n'", e.Message);
    }

    [Fact]
    public void Executor_RejectsUnknownAndMissingInputs()
    {
        var graph = FusionModels.Softmax();
        var program = new TileCompiler(FusionHarness.Options).Compile(graph);
        var executor = new TileProgramExecutor(FusionHarness.Registry);
        Assert.Equal(ErrorCode.MissingInput, Assert.Throws<StrataException>(() => executor.Run(program, new Dictionary<string, RuntimeValue>())).Code);
        var extra = FusionHarness.RandomInputs(graph, 0);
        extra["nope"] = Tensor<float>.Scalar(1);
        Assert.Equal(ErrorCode.UnknownInput, Assert.Throws<StrataException>(() => executor.Run(program, extra)).Code);
    }
}
