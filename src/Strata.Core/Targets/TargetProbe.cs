using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Core;

/// <summary>Detects this machine's target. (Peak and bandwidth measurement: to be added, cached per machine.)</summary>
public static class TargetProbe
{
    public static Target DetectHost()
    {
        int cores = Environment.ProcessorCount;
        Target t = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Target.X86Avx512
            : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Target.X86Avx2
            : Vector128.IsHardwareAccelerated ? Target.GenericV128
            : Target.ScalarTarget;
        return t with { Cores = cores, HasFma = t.Isa is Isa.Avx2 or Isa.Avx512 ? Fma.IsSupported : t.HasFma };
    }
}
