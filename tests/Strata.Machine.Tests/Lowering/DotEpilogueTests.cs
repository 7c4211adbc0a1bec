using System.Globalization;
using CsCheck;
using Strata.Block;
using Strata.Block.Passes;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Lowering;

/// <summary>A dot's elementwise epilogue applied to the micro-tiles of its last k step (in registers; an epilogue that
/// calls a helper such as erf stays a separate loop), and the first k step starting from zero registers: under random
/// shapes with M, N and K tails (masked blocks' epilogues in registers too), random legal configs and the default, on every target,
/// the Machine interpreter must give the Block interpreter's results.</summary>
public class DotEpilogueTests
{
    private static TileKernel Linear(int m, int k, int n, string epilogue) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @lin(%x: f32[{{m}},{{k}}], %w: f32[{{k}},{{n}}], %b: f32[{{n}}]) -> (%y: f32[{{m}},{{n}}]) {
          temp %acc: f32[{{m}},{{n}}]
          domain m = {{m}}, n = {{n}}
          reduce k = {{k}}
          %acc[m, n] = sum[k] mul(%x[m, k], %w[k, n])
          %y[m, n] = {{epilogue}}
        }
        """));

    private static readonly string[] Epilogues =
    [
        "relu(add(%acc[m, n], %b[n]))",
        "mul(mul(add(%acc[m, n], %b[n]), 0.5 : f32), add(erf(mul(add(%acc[m, n], %b[n]), 0.70710677 : f32)), 1.0 : f32))",
        "%acc[m, n]",
    ];

    [Fact]
    public void RandomShapesConfigsAndEpiloguesOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 300], Gen.Int[1, 70], Gen.Int[0, Epilogues.Length - 1], Gen.Int).Sample((m, k, n, e, seed) =>
        {
            var kernel = Linear(m, k, n, Epilogues[e]);
            var space = KnobSpace.For(kernel);
            var rng = new Random(seed);
            var inputs = MachineLoweringCheck.RandomInputs(kernel, seed);
            foreach (var config in new[] { space.Default(), space.Random(rng) })
            {
                // As lowered, and after the Block passes (ForwardScratchStores turns an unmasked scratch round trip
                // into the chain reading the dot's value).
                var block = TileToBlock.Lower(kernel, config);
                foreach (var b in new[] { block, BlockPipeline.Default.Run(block) })
                    foreach (var target in Target.Known) MachineLoweringCheck.Check(b, config, target, inputs, seed);
            }
        }, iter: 40);
    }

    /// <summary>Shapes whose last row (column) tile is under half a micro-tile: the micro-kernel splits the last full
    /// tile and that tail into two tiles of about equal size (7 rows: 4 + 3; 196 columns on avx512: 4 + 4 + 3 + 2
    /// vectors, the last masked), on every target, with and without a fused epilogue.</summary>
    [Theory]
    [InlineData(7, 130, 49, 0)]
    [InlineData(13, 64, 196, 2)]
    [InlineData(49, 33, 65, 0)]
    [InlineData(8, 300, 80, 1)]
    [InlineData(14, 17, 18, 2)]
    public void TailsSplitIntoBalancedTilesOnEveryTarget(int m, int k, int n, int epilogue)
    {
        var kernel = Linear(m, k, n, Epilogues[epilogue]);
        var config = KnobSpace.For(kernel).Default();
        var block = TileToBlock.Lower(kernel, config);
        var inputs = MachineLoweringCheck.RandomInputs(kernel, m * 1000 + n);
        foreach (var target in Target.Known) MachineLoweringCheck.Check(block, config, target, inputs, m + n);
    }

    /// <summary>Blocks that do not divide the shape (M = 40 in 16-row blocks, N = 169 in 64-column blocks: rows and
    /// columns masked in the last program) still apply the epilogue in registers: the masked stores' lanes become the
    /// micro-tile's row and column counts, and nothing goes through the accumulator scratch.</summary>
    [Theory]
    [InlineData(40, 16, 64, 64, 0, "x86-64-avx512")]
    [InlineData(40, 16, 64, 64, 0, "scalar")]
    [InlineData(40, 16, 169, 64, 0, "x86-64-avx512")]
    [InlineData(40, 16, 169, 64, 2, "x86-64-avx2")]
    [InlineData(13, 8, 169, 64, 0, "generic-v128")]
    public void AMaskedBlockEpilogueStaysInRegisters(int m, int blockM, int n, int blockN, int epilogue, string target)
    {
        var kernel = Linear(m, 70, n, Epilogues[epilogue]);
        var space = KnobSpace.For(kernel);
        var config = space.Default().With(KnobNames.Block(space.Classes.ClassOf("m")), blockM).With(KnobNames.Block(space.Classes.ClassOf("n")), blockN);
        var block = TileToBlock.Lower(kernel, config);
        var machine = MachineLoweringCheck.Check(block, config, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, m + n));
        var text = MachinePrinter.Print(machine);
        Assert.True(!text.Contains("store %acc[", StringComparison.Ordinal) && !text.Contains("load %acc[", StringComparison.Ordinal),
            $"{config}\n{Strata.Block.Text.BlockPrinter.Print(block)}\n{text}");
    }

    /// <summary>A dot whose [M, N] result the epilogue sees as [1, M, N] (a conv's batch of 1, a reshape adding the
    /// unit axis) applies the epilogue in the k loop too, masked (M = 40 in 16-row blocks) or not, after the Block
    /// passes, on every target kind; results against the Block interpreter.</summary>
    [Theory]
    [InlineData(40, 16, 70, 64, "x86-64-avx512")]
    [InlineData(48, 16, 300, 48, "x86-64-avx512")]
    [InlineData(48, 16, 300, 48, "scalar")]
    [InlineData(40, 16, 300, 64, "x86-64-avx2")]
    [InlineData(13, 8, 300, 20, "generic-v128")]
    public void AnEpilogueOverAUnitBatchAxisStaysInRegisters(int m, int blockM, int k, int n, string target)
    {
        var kernel = MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @lin3(%x: f32[{{m}},{{k}}], %w: f32[{{k}},{{n}}], %b: f32[{{n}}]) -> (%y: f32[1,{{m}},{{n}}]) {
              temp %acc: f32[1,{{m}},{{n}}]
              domain i = 1, m = {{m}}, n = {{n}}
              reduce k = {{k}}
              %acc[i, m, n] = sum[k] mul(%x[m, k], %w[k, n])
              %y[i, m, n] = relu(add(%acc[i, m, n], %b[n]))
            }
            """));
        var space = KnobSpace.For(kernel);
        var config = space.Default().With(KnobNames.Block(space.Classes.ClassOf("m")), blockM);
        var block = BlockPipeline.Default.Run(TileToBlock.Lower(kernel, config));
        var text = MachinePrinter.Print(MachineLoweringCheck.Check(block, config, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, m + n)));
        Assert.True(block.Body.OfType<ReshapeOp>().Any() || block.Body.OfType<ForOp>().Any(), Strata.Block.Text.BlockPrinter.Print(block));
        Assert.DoesNotContain("load %acc[", text);
        // The output is stored inside the micro-kernel (before its last fma: the row tail's tiles follow), not by a
        // loop after it (targets without fma: the results only).
        if (text.Contains(" fma ", StringComparison.Ordinal))
            Assert.True(text.IndexOf("store %y[", StringComparison.Ordinal) < text.LastIndexOf(" fma ", StringComparison.Ordinal), $"{Strata.Block.Text.BlockPrinter.Print(block)}\n{text}");
    }

    /// <summary>A dot whose [M, N] result the epilogue sees as [1, M, 1, N] (a conv's output row: batch 1, one output
    /// row oh per program, N = ow; a reshape inserting the unit axes around M) applies the epilogue in registers, with
    /// row and column tails (M = 40 in 16-row blocks, N not a whole number of vectors) or without, on every target kind;
    /// results against the Block interpreter.</summary>
    [Theory]
    [InlineData(64, 64, 27, 112, "x86-64-avx512")]
    [InlineData(40, 16, 147, 111, "x86-64-avx512")]
    [InlineData(40, 16, 27, 55, "x86-64-avx2")]
    [InlineData(13, 8, 30, 20, "generic-v128")]
    [InlineData(13, 8, 30, 20, "scalar")]
    public void AnEpilogueOverInnerUnitAxesStaysInRegisters(int m, int blockM, int k, int n, string target)
    {
        var kernel = MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            tile.kernel @row(%x: f32[{{k}},{{n}}], %w: f32[{{m}},{{k}}], %b: f32[{{m}}]) -> (%y: f32[1,{{m}},1,{{n}}]) {
              temp %acc: f32[1,{{m}},1,{{n}}]
              domain i = 1, m = {{m}}, o = 1, n = {{n}}
              reduce k = {{k}}
              %acc[i, m, o, n] = sum[k] mul(%w[m, k], %x[k, n])
              %y[i, m, o, n] = relu(add(%acc[i, m, o, n], %b[m]))
            }
            """));
        var space = KnobSpace.For(kernel);
        var config = space.Default().With(KnobNames.Block(space.Classes.ClassOf("m")), blockM);
        var block = BlockPipeline.Default.Run(TileToBlock.Lower(kernel, config));
        var text = MachinePrinter.Print(MachineLoweringCheck.Check(block, config, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, m + n)));
        Assert.True(block.Body.OfType<ReshapeOp>().Any(r => r.Result.Type.Shape.Length == 4), Strata.Block.Text.BlockPrinter.Print(block));
        Assert.DoesNotContain("load %acc[", text);
        if (text.Contains(" fma ", StringComparison.Ordinal))
            Assert.True(text.IndexOf("store %y[", StringComparison.Ordinal) < text.LastIndexOf(" fma ", StringComparison.Ordinal), $"{Strata.Block.Text.BlockPrinter.Print(block)}\n{text}");
    }

    /// <summary>A conv's dot seen as [1, M, N] (batch 1) with the epilogues the light models use: bias + ReLU, bias +
    /// residual + ReLU (resnet), Clip (min/max), bias alone.</summary>
    private static TileKernel Conv1(int m, int k, int n, string epilogue) => MachineLoweringCheck.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        tile.kernel @conv1(%x: f32[{{k}},{{n}}], %w: f32[{{m}},{{k}}], %b: f32[{{m}}], %r: f32[1,{{m}},{{n}}]) -> (%y: f32[1,{{m}},{{n}}]) {
          temp %acc: f32[1,{{m}},{{n}}]
          domain i = 1, m = {{m}}, n = {{n}}
          reduce k = {{k}}
          %acc[i, m, n] = sum[k] mul(%w[m, k], %x[k, n])
          %y[i, m, n] = {{epilogue}}
        }
        """));

    private static readonly string[] ConvEpilogues =
    [
        "relu(add(%acc[i, m, n], %b[m]))",
        "relu(add(add(%acc[i, m, n], %b[m]), %r[i, m, n]))",
        "min(max(add(%acc[i, m, n], %b[m]), 0.0 : f32), 6.0 : f32)",
        "add(%acc[i, m, n], %b[m])",
    ];

    /// <summary>Random conv-like shapes (M output channels, N = oh·ow with row and column tails, K in one or several
    /// k blocks) × the light models' epilogue chains, default and random configs, after the Block passes, on every
    /// target: fused in registers, or over the lowering's code budget left as a loop, the
    /// Machine interpreter gives the Block interpreter's results.</summary>
    [Fact]
    public void RandomConvShapesAndEpilogueChainsOnEveryTarget()
    {
        Gen.Select(Gen.Int[1, 80], Gen.Int[1, 300], Gen.Int[1, 220], Gen.Int[0, ConvEpilogues.Length - 1], Gen.Int).Sample((m, k, n, e, seed) =>
        {
            var kernel = Conv1(m, k, n, ConvEpilogues[e]);
            var space = KnobSpace.For(kernel);
            var inputs = MachineLoweringCheck.RandomInputs(kernel, seed);
            foreach (var config in new[] { space.Default(), space.Random(new Random(seed)) })
            {
                var block = BlockPipeline.Default.Run(TileToBlock.Lower(kernel, config));
                foreach (var target in Target.Known) MachineLoweringCheck.Check(block, config, target, inputs, seed);
            }
        }, iter: 12);
    }

    /// <summary>The code bound (KernelLowerer.EpilogueBudget, 1,500 vector statements): a 64 × 196 block (resnet's
    /// 14×14 1×1 conv: on avx512 6 tile shapes, ~90 accumulators) with bias + residual + ReLU per accumulator (~770
    /// statements) stays in registers, as does a 16-row block and the 64 × 196 block on avx2 (2 tile shapes: 30
    /// accumulators); the same 64 × 196 block with a chain of 16 more adds per accumulator would be over the bound, so
    /// the dot stores C and the epilogue is a loop after it (C is read back), and the kernel stays under the bound.
    /// Both targets have fma. Results against the Block interpreter.</summary>
    [Theory]
    [InlineData(64, 196, "x86-64-avx512", 0, true)]
    [InlineData(64, 196, "x86-64-avx2", 0, true)]
    [InlineData(16, 48, "x86-64-avx512", 0, true)]
    [InlineData(64, 196, "x86-64-avx512", 16, false)]
    public void AnEpilogueOverTheCodeBudgetStaysALoop(int m, int n, string target, int extraAdds, bool inRegisters)
    {
        string chain = "add(add(%acc[i, m, n], %b[m]), %r[i, m, n])";
        for (int i = 1; i <= extraAdds; i++) chain = string.Create(CultureInfo.InvariantCulture, $"add({chain}, {i * 0.125:0.0##} : f32)");
        var kernel = Conv1(m, 256, n, $"relu({chain})");
        var space = KnobSpace.For(kernel);
        var config = space.Default().With(KnobNames.Block(space.Classes.ClassOf("m")), m).With(KnobNames.Block(space.Classes.ClassOf("n")), n);
        var block = BlockPipeline.Default.Run(TileToBlock.Lower(kernel, config));
        var machine = MachineLoweringCheck.Check(block, config, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, m + n));
        var text = MachinePrinter.Print(machine);
        // In registers, the output is stored inside the micro-kernel (before its last fma); as a loop, after it.
        bool fused = text.IndexOf("store %y[", StringComparison.Ordinal) < text.LastIndexOf(" fma ", StringComparison.Ordinal);
        Assert.True(inRegisters == fused, $"{VectorStatements(machine.Body)} vector statements, {config}\n{text}");
        Assert.True(VectorStatements(machine.Body) <= 1500, $"{VectorStatements(machine.Body)} vector statements\n{text}");
    }

    private static int VectorStatements(IEnumerable<MStmt> code) => code.Sum(s => s switch
    {
        LoopStmt l => VectorStatements(l.Body),
        IfStmt i => VectorStatements(i.Then) + VectorStatements(i.Else),
        _ => s.Dest is { Type.IsVector: true } || s is StoreStmt { Value.Type.IsVector: true } ? 1 : 0,
    });

    [Theory]
    [InlineData(0, "x86-64-avx512", false)]
    [InlineData(2, "x86-64-avx512", false)]
    [InlineData(0, "scalar", false)]
    [InlineData(0, "generic-v128", false)]
    [InlineData(1, "x86-64-avx512", false)]
    [InlineData(0, "x86-64-avx512", true)]
    [InlineData(1, "x86-64-avx512", true)]
    [InlineData(1, "scalar", true)]
    [InlineData(0, "x86-64-avx2", true)]
    public void AnUnmaskedEpilogueStoresOnlyToTheOutput(int epilogue, string target, bool blockPasses)
    {
        // 12×600·600×48: blocks divide the shape (no masks) and K takes several k steps. With the Block passes the
        // chain reads the dot's value (no scratch round trip left to match): the accumulator is not stored either.
        var kernel = Linear(12, 600, 48, Epilogues[epilogue]);
        var config = KnobSpace.For(kernel).Default();
        var block = TileToBlock.Lower(kernel, config);
        if (blockPasses) block = BlockPipeline.Default.Run(block);
        var machine = MachineLoweringCheck.Check(block, config, Target.Get(target), MachineLoweringCheck.RandomInputs(kernel, 5));
        var text = MachinePrinter.Print(machine);
        Assert.DoesNotContain("store %acc[", text);
        Assert.DoesNotContain("load %acc[", text);
        // The output is stored in the k loop's last step (the other steps' C stores follow it in the text), not by a
        // loop after the k loop that reads C back.
        Assert.True(text.IndexOf("store %y[", StringComparison.Ordinal) < text.LastIndexOf("store %a", StringComparison.Ordinal), text);
    }
}
