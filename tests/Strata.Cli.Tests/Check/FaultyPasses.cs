using System.Collections.Immutable;
using Strata.Block;
using Strata.Block.Passes;
using Strata.Core;
using Strata.Tile;
using Strata.Tile.Passes;

namespace Strata.Cli.Tests.Check;

/// <summary>Deliberately wrong passes, for testing <c>strata check</c> only (PyTorch's <c>inject_relu_bug_TESTING_ONLY</c>).
/// Each breaks only the kernel it is told to, so a test can see that check blames that kernel and no other.</summary>
public static class FaultyPasses
{
    /// <summary>Tile level: the first floating-point <c>add</c> of the kernel becomes a <c>sub</c>.</summary>
    public sealed class AddBecomesSub(string kernel) : ITilePass
    {
        public string Name => "TestOnly.AddBecomesSub";

        public TileKernel Run(TileKernel k)
        {
            if (k.Name != kernel) return k;
            var rewriter = new FirstFloatAdd();
            var computations = k.Computations.Select(c => c with { Body = rewriter.Rebuild(c.Body) }).ToImmutableArray();
            if (!rewriter.Done) throw new InvalidOperationException($"kernel @{k.Name} has no floating-point add to break");
            return k with { Computations = computations };
        }

        private sealed class FirstFloatAdd : ExprRebuilder
        {
            public bool Done { get; private set; }

            public override Expr Binary(BinaryOp op, Expr a, Expr b, DataType operandType)
            {
                if (Done || op != BinaryOp.Add || !operandType.IsFloatingPoint()) return base.Binary(op, a, b, operandType);
                Done = true;
                return new Binary(BinaryOp.Sub, a, b);
            }
        }
    }

    /// <summary>Block level: the value of the first store to an output parameter gets 1 added (a changed constant).</summary>
    public sealed class NudgeStoredValue(string kernel) : IBlockPass
    {
        public string Name => "TestOnly.NudgeStoredValue";

        public BlockKernel Run(BlockKernel k)
        {
            if (k.Name != kernel) return k;
            var outputs = k.Params.Where(p => p.Role == ParamRole.Output).Select(p => p.Name).ToHashSet();
            bool done = false;
            var body = Rewrite(k.Body, outputs, ref done);
            if (!done) throw new InvalidOperationException($"kernel @{k.Name} stores no output");
            return k with { Body = body };
        }

        private static ImmutableArray<BlockOp> Rewrite(ImmutableArray<BlockOp> ops, HashSet<string> outputs, ref bool done)
        {
            var result = ImmutableArray.CreateBuilder<BlockOp>();
            foreach (var op in ops)
            {
                if (!done && op is StoreOp s && outputs.Contains(s.Param))
                {
                    var t = s.Value.Type;
                    var one = new BlockValue("testonly_one", BlockType.Scalar(t.Element));
                    var nudged = new BlockValue("testonly_nudged", t);
                    result.Add(new ConstantOp(one, t.Element.IsFloatingPoint() ? Scalar.Float(1) : Scalar.Int(1)));
                    result.Add(new BinaryBlockOp(nudged, BinaryOp.Add, s.Value, one));
                    result.Add(s with { Value = nudged });
                    done = true;
                }
                else if (!done && op is ForOp f)
                {
                    var inner = Rewrite(f.Body, outputs, ref done);
                    result.Add(f with { Body = inner });
                }
                else result.Add(op);
            }
            return result.ToImmutable();
        }
    }

    /// <summary>Block level: a pass that crashes (a bug in the compiler, not in the kernel).</summary>
    public sealed class Crash : IBlockPass
    {
        public string Name => "TestOnly.Crash";
        public BlockKernel Run(BlockKernel k) => throw new InvalidOperationException("the test-only pass crashed");
    }

    /// <summary>Tile level: every load of the first input reads one element further along its last dim, so the
    /// kernel reads out of bounds (the interpreter refuses to run it).</summary>
    public sealed class ShiftLoads(string kernel) : ITilePass
    {
        public string Name => "TestOnly.ShiftLoads";

        public TileKernel Run(TileKernel k)
        {
            if (k.Name != kernel) return k;
            var shifter = new Shift(k.Inputs[0].Name);
            return k with { Computations = [.. k.Computations.Select(c => c with { Body = shifter.Rebuild(c.Body) })] };
        }

        private sealed class Shift(string buffer) : ExprRebuilder
        {
            public override Expr Load(string b, ImmutableArray<Expr> indices, DataType elementType)
            {
                var load = (Load)base.Load(b, indices, elementType);
                return b != buffer ? load : load with { Indices = load.Indices.SetItem(load.Indices.Length - 1, load.Indices[^1] + 1) };
            }
        }
    }
}
