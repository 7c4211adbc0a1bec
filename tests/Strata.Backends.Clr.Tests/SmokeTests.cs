using Strata.Core;
using Strata.Machine;
using Strata.Machine.Text;

namespace Strata.Backends.Clr.Tests;

public class SmokeTests
{
    [Fact]
    public void EveryStatementGoldenKernelMatchesTheInterpreter()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "../../../../Strata.Machine.Tests/golden/text/every_stmt.strata"));
        var kernel = MachineParser.Parse(text);
        var rng = new Random(1);
        var x = Tensor<float>.FromArray(Enumerable.Range(0, 70).Select(_ => (float)rng.NextDouble()).ToArray(), 10, 7);
        var w = Tensor<float>.FromArray(Enumerable.Range(0, 42).Select(_ => (float)rng.NextDouble()).ToArray(), 7, 6);
        NativeHarness.AssertMatchesInterpreter(kernel, [x, w], checkRaces: false); // the golden text kernel stores every instance's %acc at index 0
    }
}
