using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Tile;

namespace Strata.Machine.Verification;

/// <summary>Proves that a kernel computes the same result when one of its outputs shares memory with one of its
/// inputs, so the runtime may give the output the input's buffer where the input dies at that step (a residual Add's
/// output over its residual: no second buffer, no read-for-ownership of fresh lines). It holds when, for every
/// element, every read of the input happens before the output's write there:
/// <list type="number">
/// <item>the input is never stored and the output never loaded;</item>
/// <item>every load of the input is paired with a later store of the output in the same statement list, at the same
/// index register with the same lanes, stride and mask / from / count registers, none of them reassigned in between:
/// the load reads exactly the elements that store writes;</item>
/// <item>no element of the output is stored twice, over all program instances together, so no pair reads an element
/// that an earlier store (of any instance) wrote, and the pairs of instances running in parallel touch disjoint
/// elements.</item>
/// </list>
/// (3) is checked by running the kernel's address computation only (<see cref="StoreTrace"/>); an address that depends
/// on loaded data, or a kernel too large to trace within the budget, is not proven. Not proven is always safe: the
/// output then gets its own buffer.</summary>
public static class WriteOverInput
{
    /// <summary>Steps of the address trace (statements run, over all instances) before it gives up: about 30 ms.
    /// resnet50's largest residual kernel (1×1 conv, 196 instances) takes 232k.</summary>
    public const long DefaultBudget = 1L << 21;

    /// <summary>Null when the kernel may write <paramref name="output"/> over <paramref name="input"/>; else why not.</summary>
    public static string? Refusal(MachineKernel kernel, string input, string output, long budget = DefaultBudget)
    {
        if (kernel.Param(input) is not { Role: ParamRole.Input }) return $"%{input} is not an input of the kernel";
        if (kernel.Param(output) is not { Role: ParamRole.Output }) return $"%{output} is not an output of the kernel";
        if (kernel.Memory(input) != kernel.Memory(output)) return "the input and the output differ in element type or size";
        return Pairs(kernel.Body, input, output) ?? StoreTrace.Refusal(kernel, output, budget);
    }

    /// <summary>Conditions 1 and 2, over one statement list and the lists nested in it.</summary>
    private static string? Pairs(ImmutableArray<MStmt> list, string input, string output)
    {
        for (int i = 0; i < list.Length; i++)
        {
            var why = list[i] switch
            {
                LoadStmt l when l.Memory == output => $"the kernel reads its output %{output}",
                StoreStmt s when s.Memory == input => $"the kernel writes its input %{input}",
                LoadStmt l when l.Memory == input && !Paired(list, i, l, output) =>
                    $"a load of %{input} at {l.Index} is not followed by a store of %{output} at the same elements",
                LoopStmt loop => Pairs(loop.Body, input, output),
                IfStmt f => Pairs(f.Then, input, output) ?? Pairs(f.Else, input, output),
                _ => null,
            };
            if (why is not null) return why;
        }
        return null;
    }

    private static bool Paired(ImmutableArray<MStmt> list, int at, LoadStmt load, string output)
    {
        var operands = LoadStmt.Opt(load.Index, load.Mask, load.From, load.Count).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        if (operands.Contains(load.Target.Name)) return false; // %i = load %x[%i]: the store would see another index
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        for (int j = at + 1; j < list.Length; j++)
        {
            if (list[j] is StoreStmt s && s.Memory == output && s.Index == load.Index && s.Mask == load.Mask && s.From == load.From
                && s.Count == load.Count && s.Stride == load.Stride && s.Value.Type.Lanes == load.Target.Type.Lanes)
                return true;
            DigitLoopFacts.Assigned([list[j]], assigned);
            if (assigned.Overlaps(operands)) return false;
        }
        return false;
    }
}
