using System.Collections.Immutable;
using Strata.Block.Compilation;
using Strata.Core;
using Strata.Machine.Lowering;
using Strata.Machine.Text;
using Strata.Machine.Verification;

namespace Strata.Machine.Compilation;

/// <summary>The Machine step of the compiler: every kernel of a Block-level <see cref="CompiledModel"/> lowered for one
/// target with <see cref="BlockToMachine"/> (its Block config), verified with <see cref="MachineVerifier"/> when
/// <see cref="MachineLoweringOptions.VerifyEach"/> is set, optionally dumped (<c>DIR/KERNEL/machine.strata</c>).</summary>
public static class MachineCompiler
{
    public static MachineModel Lower(CompiledModel blockModel, Target target, MachineLoweringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(blockModel);
        ArgumentNullException.ThrowIfNull(target);
        options ??= MachineLoweringOptions.Default;
        var kernels = ImmutableArray.CreateBuilder<MachineCompiledKernel>(blockModel.Kernels.Length);
        foreach (var k in blockModel.Kernels) kernels.Add(LowerKernel(k, target, options));
        return new MachineModel(blockModel, target, kernels.MoveToImmutable());
    }

    private static MachineCompiledKernel LowerKernel(CompiledKernel k, Target target, MachineLoweringOptions options)
    {
        if (k.Block is null || k.Config is null)
            return new MachineCompiledKernel(k, null, "did not compile to Block: " + (k.Failure?.Message ?? "no Block kernel"));
        try
        {
            var machine = BlockToMachine.Lower(k.Block, k.Config, target, options);
            if (options.VerifyEach) MachineVerifier.Verify(machine);
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
}
