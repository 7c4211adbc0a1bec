using Strata.Cli.Execution;
using Strata.Core;

namespace Strata.Cli.Tests;

/// <summary><c>--lowering-off</c> (bench, run): the named lowering switches are off and the others stay as they are;
/// a name that is not a switch is an error that lists the switches.</summary>
public class LoweringSwitchesTests
{
    [Fact]
    public void NamedSwitchesAreOffAndTheOthersKeepTheirDefaults()
    {
        var o = LoweringSwitches.Off("RegisterTranspose, LocalScratch");
        Assert.False(o.RegisterTranspose);
        Assert.False(o.LocalScratch);
        Assert.True(o.StackedRowsInPlace);
        Assert.True(Strata.Machine.Lowering.MachineLoweringOptions.Default.RegisterTranspose);
        var e = Assert.Throws<StrataException>(() => LoweringSwitches.Off("NoSuchSwitch"));
        Assert.Contains("RegisterTranspose", e.Hint ?? e.Message);
    }
}
