using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;

namespace Strata.Machine.Tests.Passes;

public class MachinePipelineTests
{
    private const string Text = "machine.kernel @k target(scalar) (%x: ptr<f32>[4], %o: ptr<f32>[4] output)\n    programs(4) {\n"
        + "  %p = program_id 0 : i64\n  %v = load %x[%p] : f32\n  store %o[%p], %v\n}\n";

    /// <summary>Records its name in <paramref name="log"/> and returns <paramref name="change"/>'s kernel.</summary>
    private sealed class Probe(string name, List<string> log, Func<MachineKernel, MachineKernel>? change = null) : IMachinePass
    {
        public string Name => name;
        public MachineKernel Run(MachineKernel kernel)
        {
            log.Add(name);
            return change?.Invoke(kernel) ?? kernel;
        }
    }

    [Fact]
    public void With_PlacesPassesAfterAndBefore_AndRunRunsThemInOrder()
    {
        var log = new List<string>();
        var pipeline = MachinePipeline.Empty.With(new Probe("a", log)).With(new Probe("c", log))
            .With(new Probe("b", log), after: "a").With(new Probe("first", log), before: "a").With(new Probe("last", log));
        Assert.Equal(["first", "a", "b", "c", "last"], pipeline.Passes.Select(p => p.Name));
        var seen = new List<string>();
        var kernel = MachineParser.Parse(Text);
        var result = pipeline.Run(kernel, new MachinePipelineHooks { AfterPass = (p, k) => seen.Add(p) });
        Assert.Equal(["first", "a", "b", "c", "last"], log);
        Assert.Equal(log, seen);
        Assert.Same(kernel, result);
        Assert.Equal(["first", "a", "c", "last"], pipeline.Without("b").Passes.Select(p => p.Name));
    }

    [Fact]
    public void UnknownPositionsAreErrorsListingThePasses()
    {
        var pipeline = MachinePipeline.Empty.With(new Probe("a", []));
        var e = Assert.Throws<StrataException>(() => pipeline.With(new Probe("x", []), after: "nope"));
        Assert.Contains("passes are: a", e.Hint, StringComparison.Ordinal);
        Assert.Throws<StrataException>(() => pipeline.With(new Probe("x", []), after: "a", before: "a"));
        Assert.Throws<StrataException>(() => pipeline.Insert(2, new Probe("x", [])));
    }

    [Fact]
    public void APassThatRenamesTheKernelOrChangesItsParams_IsAnErrorNamingIt()
    {
        var kernel = MachineParser.Parse(Text);
        var rename = MachinePipeline.Empty.With(new Probe("renamer", [], k => k with { Name = "other" }));
        var e = Assert.Throws<StrataException>(() => rename.Run(kernel));
        Assert.Contains("renamer", e.Message, StringComparison.Ordinal);
        var drop = MachinePipeline.Empty.With(new Probe("dropper", [], k => k with { Params = k.Params.RemoveAt(0) }));
        e = Assert.Throws<StrataException>(() => drop.Run(kernel));
        Assert.Contains("dropper changed the parameters of @k", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheVerifyHookStopsAtTheFirstBadPass_NamingIt()
    {
        var kernel = MachineParser.Parse(Text);
        var log = new List<string>();
        var pipeline = MachinePipeline.Empty.With(new Probe("good", log)).With(new Probe("bad", log, k => k with { Body = k.Body.RemoveAt(1) }))
            .With(new Probe("after", log));
        var hooks = new MachinePipelineHooks { VerifyKernel = k => [.. Strata.Machine.Verification.MachineVerifier.Diagnose(k).Where(d => d.IsError).Select(d => d.ToString())] };
        var e = Assert.Throws<StrataException>(() => pipeline.Run(kernel, hooks));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains("machine kernel @k is invalid after bad", e.Message, StringComparison.Ordinal);
        Assert.Contains("%v", e.Message, StringComparison.Ordinal);
        Assert.Equal(["good", "bad"], log);
    }
}
