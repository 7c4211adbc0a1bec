using System.Collections.Immutable;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;

namespace Strata.Machine.Compilation;

/// <summary>The Machine step of the compiler: every kernel of a Block-level <see cref="CompiledModel"/> lowered for one
/// target with <see cref="BlockToMachine"/> (its Block config), verified with <see cref="MachineVerifier"/> when
/// <see cref="MachineLoweringOptions.VerifyEach"/> is set, then run through a <see cref="MachinePipeline"/> (verified
/// after each pass likewise: an error names the pass), stripped of the scratch parameters it does not use
/// (<see cref="UnusedScratch"/>), and optionally dumped (<c>DIR/KERNEL/machine.strata</c>).</summary>
public static class MachineCompiler
{
    /// <param name="passes">The Machine passes run on every kernel after lowering (default: <see cref="MachinePipeline.Default"/>).</param>
    public static MachineModel Lower(CompiledModel blockModel, Target target, MachineLoweringOptions? options = null,
        MachinePipeline? passes = null)
    {
        ArgumentNullException.ThrowIfNull(blockModel);
        ArgumentNullException.ThrowIfNull(target);
        options ??= MachineLoweringOptions.Default;
        passes ??= MachinePipeline.Default;
        var kernels = ImmutableArray.CreateBuilder<MachineCompiledKernel>(blockModel.Kernels.Length);
        foreach (var k in blockModel.Kernels) kernels.Add(LowerKernel(k, target, options, passes));
        return new MachineModel(blockModel, target, kernels.MoveToImmutable());
    }

    private static MachineCompiledKernel LowerKernel(CompiledKernel k, Target target, MachineLoweringOptions options, MachinePipeline passes)
    {
        if (k.Block is null || k.Config is null)
            return new MachineCompiledKernel(k, null, "did not compile to Block: " + (k.Failure?.Message ?? "no Block kernel"));
        try
        {
            var hooks = options.VerifyEach ? new MachinePipelineHooks { VerifyKernel = Problems } : MachinePipelineHooks.None;
            var machine = BlockToMachine.Lower(k.Block, k.Config, target, options);
            MachinePipeline.Verify(hooks, MachinePipeline.Lower, machine);
            machine = UnusedScratch.Drop(passes.Run(machine, hooks));
            if (options.DumpDirectory is { } dir)
            {
                var path = Path.Combine(dir, IrDump.FileName(k.Name), "machine.strata");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, MachinePrinter.Print(machine));
            }
            return new MachineCompiledKernel(k, machine, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string message = e is StrataException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            if (options.ContinueOnKernelError) return new MachineCompiledKernel(k, null, message);
            if (e is StrataException) throw;
            // A crash in the lowering is a compiler bug: say which kernel.
            throw new InvalidOperationException($"kernel @{k.Name}: Block→Machine lowering for {target.Name} failed: {message}", e);
        }
    }

    /// <summary>The verifier's errors (bounds included: an access proven out of bounds is an error).</summary>
    private static IReadOnlyList<string> Problems(MachineKernel kernel) =>
        [.. MachineVerifier.Diagnose(kernel).Where(d => d.IsError).Select(d => d.ToString())];
}
