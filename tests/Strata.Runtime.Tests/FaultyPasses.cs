using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Machine;
using Strata.Machine.Passes;
using Strata.Tile;

namespace Strata.Runtime.Tests;

/// <summary>Test-only faulty Machine passes: each moves the first store to an output parameter somewhere else, the way
/// a buggy lowering would.</summary>
internal static class FaultyPasses
{
    /// <summary>Adds to the store's index the value of element 0 of the kernel's first input parameter (cast to i64):
    /// a data-dependent offset, which the bounds analysis can prove neither in nor out of bounds. With that element 0
    /// the kernel still computes the right thing; with it ≥ the output's length the store is out of bounds.</summary>
    public sealed class DataDependentStoreOffset : IMachinePass
    {
        public string Name => "test/DataDependentStoreOffset";

        public MachineKernel Run(MachineKernel kernel)
        {
            var input = kernel.Params.First(p => p.Role == ParamRole.Input);
            var zero = new Reg("fault_zero", MType.I64);
            var value = new Reg("fault_value", MType.Scalar(input.Element));
            var offset = new Reg("fault_offset", MType.I64);
            return Rewrite(kernel, this, (store, index) =>
            [
                new ConstStmt(zero, Scalar.Int(0)),
                new LoadStmt(value, input.Name, zero),
                new CastStmt(offset, value),
                new BinaryStmt(index, BinaryOp.Add, store.Index, offset),
            ]);
        }
    }

    /// <summary>Adds 2^40 to the store's index: out of bounds whatever the program instance, which the bounds analysis proves.</summary>
    public sealed class ConstantStoreOffset : IMachinePass
    {
        public string Name => "test/ConstantStoreOffset";

        public MachineKernel Run(MachineKernel kernel)
        {
            var big = new Reg("fault_big", MType.I64);
            return Rewrite(kernel, this, (store, index) =>
                [new ConstStmt(big, Scalar.Int(1L << 40)), new BinaryStmt(index, BinaryOp.Add, store.Index, big)]);
        }
    }

    /// <summary>The kernel with its first store to an output preceded by <paramref name="prefix"/>'s statements, which
    /// compute the new index into the given register; the store then uses it.</summary>
    private static MachineKernel Rewrite(MachineKernel kernel, IMachinePass pass, Func<StoreStmt, Reg, IEnumerable<MStmt>> prefix)
    {
        var outputs = kernel.Params.Where(p => p.Role == ParamRole.Output).Select(p => p.Name).ToHashSet();
        var index = new Reg("fault_index", MType.I64);
        bool done = false;

        ImmutableArray<MStmt> Walk(ImmutableArray<MStmt> body)
        {
            var result = ImmutableArray.CreateBuilder<MStmt>();
            foreach (var s in body)
            {
                if (done) { result.Add(s); continue; }
                switch (s)
                {
                    case StoreStmt st when outputs.Contains(st.Memory):
                        result.AddRange(prefix(st, index));
                        result.Add(st with { Index = index });
                        done = true;
                        break;
                    case LoopStmt l: result.Add(l with { Body = Walk(l.Body) }); break;
                    case IfStmt i: result.Add(i with { Then = Walk(i.Then), Else = Walk(i.Else) }); break;
                    default: result.Add(s); break;
                }
            }
            return result.ToImmutable();
        }

        var rewritten = kernel with { Body = Walk(kernel.Body) };
        return done ? rewritten : throw new StrataException(ErrorCode.InvalidIr, $"{pass.Name}: @{kernel.Name} stores to no output", "use a kernel with an output");
    }
}
