using Strata.Core;
using Strata.Machine;

namespace Strata.Machine.Tests;

public class TargetTests
{
    [Fact]
    public void Named_targets_resolve_and_unknown_names_fail_with_the_list()
    {
        Assert.Equal(8, Target.Get("x86-64-avx2").Lanes(DataType.Float32));
        Assert.Equal(16, Target.Get("x86-64-avx512").Lanes(DataType.Float32));
        Assert.Equal(2, Target.Get("generic-v128").Lanes(DataType.Float64));
        Assert.Equal(1, Target.Get("scalar").Lanes(DataType.Float32));
        Assert.Equal(1, Target.X86Avx2.Lanes(DataType.Float16));
        var e = Assert.Throws<StrataException>(() => Target.Get("x86-64-sse9"));
        Assert.Contains("generic-v128", e.Message + e.Hint);
        Assert.Equal("v8f32", MType.Vector(DataType.Float32, 8).ToString());
    }
}
