using Strata.Block.Passes;
using Strata.Block.Text;
using Strata.Core;

namespace Strata.Block.Tests.Passes;

public sealed class BlockPipelineTests
{
    /// <summary>A pass that only records that it ran.</summary>
    private sealed class Probe(string name, List<string> log) : IBlockPass
    {
        public string Name => name;
        public BlockKernel Run(BlockKernel kernel) { log.Add(name); return kernel; }
    }

    private sealed class Rename : IBlockPass
    {
        public string Name => "Rename";
        public BlockKernel Run(BlockKernel kernel) => kernel with { Name = kernel.Name + "2" };
    }

    private sealed class DropParam : IBlockPass
    {
        public string Name => "DropParam";
        public BlockKernel Run(BlockKernel kernel) => kernel with { Params = kernel.Params.RemoveAt(0) };
    }

    /// <summary>Stores into an input parameter: the verifier rejects it.</summary>
    private sealed class StoreIntoInput : IBlockPass
    {
        public string Name => "StoreIntoInput";
        public BlockKernel Run(BlockKernel kernel)
        {
            var store = kernel.Body.OfType<StoreOp>().First();
            return kernel with { Body = kernel.Body.Add(store with { Param = kernel.Params[0].Name }) };
        }
    }

    [Fact]
    public void DefaultListIsVisibleAndNamed()
    {
        Assert.Equal(["FoldScalarConstants", "EliminateCommonSubexpressions", "FuseScratchLoops", "ForwardScratchStores", "EliminateDeadValues"],
            BlockPipeline.Default.Passes.Select(p => p.Name));
    }

    [Fact]
    public void PassesRunInOrderAndInjectedPassesRunWhereTheyWereInserted()
    {
        var log = new List<string>();
        var pipeline = new BlockPipeline([new Probe("A", log), new Probe("B", log)])
            .With(new Probe("afterA", log), after: "A")
            .Insert(0, new Probe("first", log))
            .With(new Probe("last", log));
        var seen = new List<string>();
        pipeline.Run(SampleKernels.Copy(4, 4, 2, 2), new BlockPipelineHooks { AfterPass = (name, _) => seen.Add(name) });
        Assert.Equal(["first", "A", "afterA", "B", "last"], log);
        Assert.Equal(log, seen);
        Assert.Equal(["first", "A", "B", "last"], pipeline.Without("afterA").Passes.Select(p => p.Name));
    }

    [Fact]
    public void InjectionAtAnUnknownPassOrPositionIsAnError()
    {
        var e = Assert.Throws<StrataException>(() => BlockPipeline.Default.With(new Rename(), after: "NoSuchPass"));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        Assert.Contains("EliminateDeadValues", e.Hint);
        Assert.Throws<StrataException>(() => BlockPipeline.Default.Insert(BlockPipeline.Default.Passes.Length + 1, new Rename()));
        Assert.Throws<StrataException>(() => BlockPipeline.Default.Insert(-1, new Rename()));
    }

    [Fact]
    public void APassMustKeepTheKernelsNameAndParameters()
    {
        var kernel = SampleKernels.Copy(4, 4, 2, 2);
        var e = Assert.Throws<StrataException>(() => new BlockPipeline([new Rename()]).Run(kernel));
        Assert.Contains("Rename renamed the kernel", e.Message);
        e = Assert.Throws<StrataException>(() => new BlockPipeline([new DropParam()]).Run(kernel));
        Assert.Contains("DropParam changed the kernel's parameters", e.Message);
    }

    [Fact]
    public void VerifyHookNamesThePassThatBrokeTheKernel()
    {
        var hooks = new BlockPipelineHooks
        {
            VerifyKernel = k => [.. Strata.Block.Verification.BlockVerifier.Diagnose(k).Where(d => d.IsError).Select(d => d.ToString())],
        };
        var pipeline = BlockPipeline.Default.With(new StoreIntoInput(), after: "FoldScalarConstants");
        var e = Assert.Throws<StrataException>(() => pipeline.Run(SampleKernels.Copy(4, 4, 2, 2), hooks));
        Assert.Equal(ErrorCode.InvalidIr, e.Code);
        Assert.Contains("invalid after StoreIntoInput", e.Message);
        // Without verification the default passes alone are fine.
        BlockPipeline.Default.Run(SampleKernels.Copy(4, 4, 2, 2), hooks);
    }

    [Fact]
    public void HooksCombineInOrder()
    {
        var seen = new List<string>();
        var a = new BlockPipelineHooks { AfterPass = (n, _) => seen.Add("a:" + n), VerifyKernel = _ => [] };
        var b = new BlockPipelineHooks { AfterPass = (n, _) => seen.Add("b:" + n), VerifyKernel = _ => ["bad"] };
        var both = a.Then(b);
        both.AfterPass!("P", SampleKernels.Copy(2, 2, 2, 2));
        Assert.Equal(["a:P", "b:P"], seen);
        Assert.Equal(["bad"], both.VerifyKernel!(SampleKernels.Copy(2, 2, 2, 2)));
    }

    [Fact]
    public void DefaultPassesKeepSampleKernelsResultsAndValidity()
    {
        foreach (var kernel in new[] { SampleKernels.Copy(10, 7, 4, 4), SampleKernels.AddBias(5, 9, 2, 4), SampleKernels.Matmul(10, 7, 9, 4, 4, 4), SampleKernels.Softmax(10, 7, 4, 8) })
        {
            var after = BlockPipeline.Default.Run(kernel);
            Strata.Block.Verification.BlockVerifier.Verify(after);
            PassSemantics.AssertSameResults(kernel, after, seed: 7);
            Assert.Equal(BlockPrinter.Print(after), BlockPrinter.Print(BlockParser.Parse(BlockPrinter.Print(after))));
        }
    }
}
