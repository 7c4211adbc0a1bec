namespace Strata.Block.Passes;

/// <summary>One step of the Block pipeline: a named, semantics-preserving <c>BlockKernel → BlockKernel</c> function
/// (Halide's lowering passes). A pass keeps the kernel's name and its parameters (names, roles, types, shapes), so a
/// kernel runs with the same arguments before and after it; it may change the grid and the body.</summary>
public interface IBlockPass
{
    /// <summary>Shown in logs, dumps, verifier errors and <c>strata check</c> reports (<c>block/EliminateDeadValues</c>).</summary>
    string Name { get; }

    BlockKernel Run(BlockKernel kernel);
}
