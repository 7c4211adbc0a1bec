using System.Runtime.Intrinsics;
using Strata.Core;

namespace Strata.Cli;

/// <summary>Whether native code for a target runs on this machine: its vectors must be accelerated here (a target
/// with narrower vectors than the host's runs; a wider one does not).</summary>
public static class TargetSupport
{
    public static bool RunsNatively(Target t) => t.Isa switch
    {
        Isa.Scalar => true,
        Isa.V128 => Vector128.IsHardwareAccelerated,
        Isa.Avx2 => TargetCatalog.Host.Isa is Isa.Avx2 or Isa.Avx512 && (!t.HasFma || TargetCatalog.Host.HasFma),
        Isa.Avx512 => TargetCatalog.Host.Isa is Isa.Avx512,
        _ => false,
    };
}
