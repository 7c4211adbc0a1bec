namespace Strata.Machine.Passes;

/// <summary>One step of the Machine pipeline: a named, semantics-preserving <c>MachineKernel → MachineKernel</c>
/// function run on every kernel after Block→Machine lowering. A pass keeps the kernel's name, target and parameters,
/// so the same arguments run it before and after; it may change the grid, the buffers and the body.</summary>
public interface IMachinePass
{
    /// <summary>Shown in dumps and verifier errors (<c>machine kernel @k is invalid after NAME</c>).</summary>
    string Name { get; }

    MachineKernel Run(MachineKernel kernel);
}
