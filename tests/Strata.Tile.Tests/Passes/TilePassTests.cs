using System.Collections.Immutable;
using CsCheck;
using Strata.Core;
using Strata.Tile.Execution;
using Strata.Tile.Passes;
using Strata.Tile.Text;

namespace Strata.Tile.Tests.Passes;

/// <summary>The Tile passes one at a time (golden text in, golden text out, and the same results from the
/// interpreter before and after), and the pipeline's hooks and contract checks.</summary>
public sealed class TilePassTests
{
    private const string MatMulEpilogue = """
        tile.kernel @k(%x: f32[4,8], %w: f32[8,16], %b: f32[16]) -> (%y: f32[4,16]) {
          temp %acc: f32[4,16]
          domain m = 4, n = 16
          reduce k = 8
          domain i = 4, j = 16
          %acc[m, n] = sum[k] mul(%x[m, k], %w[k, n])
          %y[i, j] = relu(add(%acc[i, j], %b[j]))
        }
        """;

    /// <summary>A square temp read straight and transposed in one computation: only one of the two links can be kept.</summary>
    private const string Transposed = """
        tile.kernel @t(%x: f32[4,4]) -> (%y: f32[4,4]) {
          temp %t: f32[4,4]
          domain a = 4, b = 4, i = 4, j = 4
          %t[a, b] = exp(%x[a, b])
          %y[i, j] = add(%t[i, j], %t[j, i])
        }
        """;

    private const string Reshaped = """
        tile.kernel @r(%x: f32[3,4], %unused: f32[2]) -> (%y: f32[3,4]) {
          temp %dead: f32[3]
          domain i = 3, j = 4, d = 3
          %dead[d] = neg(%x[d, 0])
          %y[i, j] = %x[floordiv(add(mul(i, 4), j), 4), mod(add(mul(i, 4), j), 4)]
        }
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "unify_axes_matmul_epilogue", nameof(UnifyAxes), MatMulEpilogue },
        { "unify_axes_transposed", nameof(UnifyAxes), Transposed },
        { "simplify_indices_reshape", nameof(SimplifyIndices), Reshaped },
        { "dead_temp_elimination", nameof(DeadTempElimination), Reshaped },
        { "prune_inputs", nameof(PruneInputs), Reshaped },
        { "forward_temp_to_output", nameof(ForwardTempToOutput), PoolCopy },
    };

    /// <summary>A reduction into a temp that is then copied to the output (how pools are formed).</summary>
    private const string PoolCopy = """
        tile.kernel @p(%x: f32[1,2,4]) -> (%y: f32[1,2,2]) {
          temp %max: f32[1,2,2]
          domain n = 1, c = 2, o = 2
          reduce k = 2
          %max[n, c, o] = max[k] %x[0, c, add(mul(o, 2), k)]
          %y[n, c, o] = %max[0, c, o]
        }
        """;

    [Fact]
    public void ForwardTempToOutput_KeepsATempThatIsReadTwice()
    {
        var k = TileParser.ParseKernel("""
            tile.kernel @p(%x: f32[2,4]) -> (%y: f32[2], %z: f32[2]) {
              temp %s: f32[2]
              domain c = 2
              reduce k = 4
              %s[c] = sum[k] %x[c, k]
              %y[c] = %s[c]
              %z[c] = neg(%s[c])
            }
            """);
        Assert.Equal(k, new ForwardTempToOutput().Run(k));
    }

    private static ITilePass PassNamed(string name) => TilePipeline.DefaultPasses.Single(p => p.Name == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pass_RewritesAsGolden_AndKeepsResults(string golden, string pass, string input)
    {
        var before = TileParser.ParseKernel(input);
        var after = PassNamed(pass).Run(before);
        Golden.Check("pass_" + golden, $"# pass: {pass}\n# input:\n{string.Concat(TilePrinter.Print(before).Split('\n').Where(l => l.Length > 0).Select(l => "#   " + l + "\n"))}{TilePrinter.Print(after)}");
        Assert.Equal(TilePrinter.Print(after), TilePrinter.Print(TileParser.ParseKernel(TilePrinter.Print(after))));
        var args = before.Inputs.Select((b, i) => (Tensor)Fusion.FusionModels.Random(i, [.. b.Shape.Select(d => (int)d)])).ToList();
        var kept = after.Inputs.Select(b => args[before.Inputs.IndexOf(b)]).ToList();
        var x = TileInterpreter.Run(before, args);
        var y = TileInterpreter.Run(after, kept);
        for (int i = 0; i < x.Length; i++) Assert.Equal(TensorConvert.ToDoubles(x[i]), TensorConvert.ToDoubles(y[i]));
    }

    [Fact]
    public void UnifyAxes_NamesTheEpilogueAfterTheMatMul()
    {
        var k = new UnifyAxes().Run(TileParser.ParseKernel(MatMulEpilogue));
        Assert.Equal(["m", "n", "k"], k.Axes.Select(a => a.Name));
        Assert.Equal(["m", "n"], k.Computations[1].Indices.ToArray());
    }

    [Fact]
    public void UnifyAxes_NeverGivesOneComputationTwoAxesOfOneName()
    {
        var k = new UnifyAxes().Run(TileParser.ParseKernel(Transposed));
        foreach (var c in k.Computations) Assert.Equal(c.Indices.Length, c.Indices.Distinct().Count());
        Assert.Equal(["a", "b"], k.Computations[1].Indices.ToArray());
    }

    /// <summary>A Concat written out and read again by a fused affine + Relu: two elementwise computations over the
    /// same inputs, linked by no temp.</summary>
    private const string ConcatTwice = """
        tile.kernel @c(%x: f32[1,3,4,5], %y: f32[1,2,4,5], %s: f32[5,1,1]) -> (%cat: f32[1,5,4,5], %act: f32[1,5,4,5]) {
          domain i = 1, i0 = 5, i1 = 4, i2 = 5, j = 1, j0 = 5, j1 = 4, j2 = 5
          %cat[i, i0, i1, i2] = select(lt(i0, 3), %x[0, i0, i1, i2], %y[0, sub(i0, 3), i1, i2])
          %act[j, j0, j1, j2] = relu(mul(select(lt(j0, 3), %x[0, j0, j1, j2], %y[0, sub(j0, 3), j1, j2]), %s[j0, 0, 0]))
        }
        """;

    [Fact]
    public void UnifyAxes_LinksElementwiseComputationsThatReadOneInputInStep()
    {
        var before = TileParser.ParseKernel(ConcatTwice);
        Assert.Empty(AxisClasses.Of(before).ParallelCandidates.Where(c => AxisClasses.Of(before).Extent(c) > 1));
        var k = new UnifyAxes().Run(before);
        // i and j stay apart: no load indexes them with a bare variable (dimension 0 is the literal 0).
        Assert.Equal(["i", "i0", "i1", "i2", "j"], k.Axes.Select(a => a.Name));
        Assert.Equal(["j", "i0", "i1", "i2"], k.Computations[1].Indices.ToArray());
        var classes = AxisClasses.Of(k);
        Assert.Contains("i0", classes.ParallelCandidates);
        Assert.NotEqual("none", KnobSpace.For(k).Default()[KnobNames.Parallel]);
        var args = before.Inputs.Select((b, i) => (Tensor)Fusion.FusionModels.Random(i, [.. b.Shape.Select(d => (int)d)])).ToList();
        var x = TileInterpreter.Run(before, args);
        var y = TileInterpreter.Run(k, args);
        for (int i = 0; i < x.Length; i++) Assert.Equal(TensorConvert.ToDoubles(x[i]), TensorConvert.ToDoubles(y[i]));
    }

    [Fact]
    public void UnifyAxes_LeavesReductionsOutOfInputLinks()
    {
        var k = new UnifyAxes().Run(TileParser.ParseKernel("""
            tile.kernel @r(%x: f32[4,4]) -> (%s: f32[4], %y: f32[4,4]) {
              domain i = 4, a = 4, b = 4
              reduce k = 4
              %s[i] = sum[k] %x[i, k]
              %y[a, b] = neg(%x[a, b])
            }
            """));
        Assert.Equal(["i", "a", "b", "k"], k.Axes.Select(a => a.Name));
    }

    /// <summary>Random index expressions over two small axes compute the same values before and after simplification.</summary>
    [Fact]
    public void SimplifyIndices_PreservesValues_OnRandomIndexExpressions()
    {
        Gen<Expr> Leaf = Gen.OneOf(
            Gen.Const<Expr>(new IndexVar("i")), Gen.Const<Expr>(new IndexVar("j")), Gen.Int[-6, 9].Select(v => Expr.Index(v)));
        Gen<Expr> Tree(int depth) => depth == 0 ? Leaf : Gen.Frequency(
            (2, Leaf),
            (3, Gen.Select(Tree(depth - 1), Tree(depth - 1), Gen.OneOf(Gen.Const(BinaryOp.Add), Gen.Const(BinaryOp.Sub), Gen.Const(BinaryOp.Mul), Gen.Const(BinaryOp.Max), Gen.Const(BinaryOp.Min)),
                (a, b, op) => (Expr)new Binary(op, a, b))),
            (3, Gen.Select(Tree(depth - 1), Gen.Int[1, 7], Gen.OneOf(Gen.Const(BinaryOp.FloorDiv), Gen.Const(BinaryOp.Mod)),
                (a, d, op) => (Expr)new Binary(op, a, Expr.Index(d)))),
            (1, Gen.Select(Tree(depth - 1), Tree(depth - 1), Tree(depth - 1), Tree(depth - 1),
                (a, b, t, f) => (Expr)new Select(new Binary(BinaryOp.Lt, a, b), t, f))));
        Tree(4).Sample(e =>
        {
            var kernel = new TileKernel("p", [], [new TileBuffer("y", DataType.Int64, [5, 7], BufferRole.Output)], [],
                [new Axis("i", 5), new Axis("j", 7)], [new Computation("y", ["i", "j"], null, e)]);
            var simplified = new SimplifyIndices().Run(kernel);
            Assert.Equal(((Tensor<long>)TileInterpreter.Run(kernel, [])[0]).ToArray(), ((Tensor<long>)TileInterpreter.Run(simplified, [])[0]).ToArray());
        }, iter: 2000);
    }

    [Fact]
    public void SimplifyIndices_FoldsReshapeChainsToTheAxes()
    {
        var k = new SimplifyIndices().Run(TileParser.ParseKernel(Reshaped));
        Assert.Equal("%x[i, j]", TilePrinter.PrintExpr(k.Computations[1].Body));
    }

    [Fact]
    public void Pipeline_RunsPassesInOrder_WithHooksAfterEach()
    {
        var seen = new List<string>();
        var hooks = new PipelineHooks { AfterTilePass = (pass, _) => seen.Add(pass), VerifyKernel = _ => [] };
        TilePipeline.Default.Run(TileParser.ParseKernel(MatMulEpilogue), hooks);
        Assert.Equal(TilePipeline.DefaultPasses.Select(p => p.Name), seen);
    }

    private sealed class TestPass(string name, Func<TileKernel, TileKernel> run) : ITilePass
    {
        public string Name => name;
        public TileKernel Run(TileKernel kernel) => run(kernel);
    }

    [Fact]
    public void Pipeline_With_InsertsAfterTheNamedPass()
    {
        var p = TilePipeline.Default.With(new TestPass("Mine", k => k), after: "UnifyAxes");
        Assert.Equal(["UnifyAxes", "Mine", "SimplifyIndices", "DeadTempElimination", "ForwardTempToOutput", "PruneInputs", "MergeContiguousAxes", "NonPositiveExp"], p.Passes.Select(x => x.Name));
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<StrataException>(() => TilePipeline.Default.With(new TestPass("X", k => k), "Nope")).Code);
    }

    [Fact]
    public void Pipeline_VerifyEach_NamesThePassThatBrokeTheKernel()
    {
        // A test-only faulty pass: it makes the output computation write a temp nobody declared.
        var broken = new TestPass("BreakOutputs", k => k with { Computations = [.. k.Computations.Select(c => c with { Output = c.Output == "y" ? "nowhere" : c.Output })] });
        var pipeline = TilePipeline.Default.With(broken, after: "SimplifyIndices");
        var hooks = new PipelineHooks { VerifyKernel = k => k.Outputs.Where(o => k.Computations.All(c => c.Output != o.Name)).Select(o => $"output %{o.Name} is never written").ToList() };
        var e = Assert.Throws<StrataException>(() => pipeline.Run(TileParser.ParseKernel(MatMulEpilogue), hooks));
        Assert.Contains("after BreakOutputs", e.Message);
        Assert.Contains("output %y is never written", e.Message);
    }

    [Fact]
    public void Pipeline_RejectsPassesThatChangeOutputs()
    {
        var renames = new TestPass("RenameOutput", k => k with { Outputs = [.. k.Outputs.Select(o => o with { Name = "z" })] });
        var e = Assert.Throws<StrataException>(() => new TilePipeline([renames]).Run(TileParser.ParseKernel(MatMulEpilogue)));
        Assert.Contains("RenameOutput changed the kernel's outputs", e.Message);
    }

    [Fact]
    public void Rebind_MapsStepInputsByBufferName()
    {
        var kernel = TileParser.ParseKernel(Reshaped);
        var x = new Graph.Value("gx");
        var unused = new Graph.Value("gu");
        var step = new KernelStep(kernel, [x, unused], [new Graph.Value("gy")], []);
        var rebound = TileCompiler.Rebind(step, new PruneInputs().Run(kernel));
        Assert.Equal([x], rebound.Inputs.ToArray());
    }
}
