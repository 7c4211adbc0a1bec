using System.Diagnostics;
using System.Reflection.Emit;
using System.Runtime.Intrinsics.X86;
using Strata.Backends.Clr.Emit;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Verification;

namespace Strata.Backends.Clr;

/// <summary>The built-in native backend: Machine IR → IL (one <see cref="DynamicMethod"/> per kernel) → native code
/// through RyuJIT, in-process and in about a millisecond per kernel. Vector registers become
/// <c>Vector128/256/512&lt;T&gt;</c> so the JIT emits SSE/AVX2/AVX-512 for them.</summary>
public sealed class ClrBackend : INativeBackend
{
    public string Name => "clr";

    /// <summary>Scalar and 128-bit code runs anywhere (<c>Vector128</c> is emulated where not accelerated); AVX2 code
    /// needs AVX2 (and FMA when the target has it), AVX-512 code needs AVX-512F — otherwise the 256/512-bit
    /// operations would run as slow software emulation rather than fail, which is not what was tuned for.</summary>
    public bool CanRun(Target target) => target.Isa switch
    {
        Isa.Scalar or Isa.V128 => true,
        Isa.Avx2 => Avx2.IsSupported && (!target.HasFma || Fma.IsSupported),
        Isa.Avx512 => Avx512F.IsSupported,
        _ => false,
    };

    public unsafe NativeKernel Compile(MachineKernel kernel, NativeCompileOptions options)
    {
        var clock = Stopwatch.StartNew();
        var method = new DynamicMethod(MethodName(kernel), typeof(void),
            [typeof(nint*), typeof(long), typeof(long), typeof(nint)], typeof(ClrBackend).Module, skipVisibility: true);
        // Ill-formed kernels are refused with the verifier's positioned errors rather than miscompiled.
        MachineVerifier.Verify(kernel, checkBounds: false);
        // Accesses the Machine level proves in bounds are emitted bare; unproven ones (gathers) are always checked;
        // --checked checks all.
        Func<MStmt, bool> checkAccess;
        if (options.Checked) checkAccess = _ => true;
        else
        {
            var bounds = BoundsAnalysis.Analyze(kernel);
            checkAccess = s => !bounds.IsProven(s);
        }
        var emitted = KernelEmitter.Emit(kernel, method.GetILGenerator(), checkAccess);
        var body = (ClrNativeKernel.Body)method.CreateDelegate(typeof(ClrNativeKernel.Body));
        body(null, 0, 0, 0); // DynamicMethods are JIT-compiled at their first call: do it now, running no instance.
        return new ClrNativeKernel(kernel, body, emitted.LocalBytes, emitted.CheckedAccesses, emitted.PairedStride2Loads) { CompileTime = clock.Elapsed };
    }

    /// <summary>The DynamicMethod's name: <c>strata_</c> + the kernel name (what DOTNET_JitDisasm matches).</summary>
    public static string MethodName(MachineKernel kernel) =>
        "strata_" + new string(kernel.Name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
}
