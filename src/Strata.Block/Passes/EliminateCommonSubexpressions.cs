using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Strata.Block.Text;

namespace Strata.Block.Passes;

/// <summary>Common-subexpression elimination: a pure op that computes what an earlier op in an enclosing scope already
/// computed (same op, same operands, same result type) is dropped and its uses read the earlier value. Pure ops are all
/// but stores, loops, and loads from parameters the kernel writes (a load of an output or scratch parameter may see a
/// store in between). Scopes follow loop bodies, so a reused value always dominates its new uses.</summary>
public sealed class EliminateCommonSubexpressions : IBlockPass
{
    public string Name => "EliminateCommonSubexpressions";

    public BlockKernel Run(BlockKernel kernel)
    {
        var readOnly = kernel.Params.Where(p => p.Role == ParamRole.Input).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var map = new Dictionary<string, BlockValue>(StringComparer.Ordinal);
        var body = Rewrite(kernel.Body, [new(StringComparer.Ordinal)], map, readOnly);
        return map.Count == 0 ? kernel : kernel with { Body = body };
    }

    private static ImmutableArray<BlockOp> Rewrite(ImmutableArray<BlockOp> ops, List<Dictionary<string, BlockValue>> scopes,
        Dictionary<string, BlockValue> map, HashSet<string> readOnly)
    {
        var result = ImmutableArray.CreateBuilder<BlockOp>(ops.Length);
        foreach (var original in ops)
        {
            var op = OperandMap.Apply(original, map);
            if (op is ForOp f)
            {
                scopes.Add(new(StringComparer.Ordinal));
                var body = Rewrite(f.Body, scopes, map, readOnly);
                scopes.RemoveAt(scopes.Count - 1);
                // Yields may name values the body's rewrite replaced.
                f = (ForOp)OperandMap.Apply(f with { Body = body }, map);
                result.Add(f);
                continue;
            }
            if (Key(op, readOnly) is not { } key) { result.Add(op); continue; }
            var existing = scopes.Select(s => s.GetValueOrDefault(key)).LastOrDefault(v => v is not null);
            if (existing is not null)
            {
                map[op.Results.Single().Name] = existing;
                continue;
            }
            scopes[^1][key] = op.Results.Single();
            result.Add(op);
        }
        return result.ToImmutable();
    }

    /// <summary>What a pure op computes, as text (op, attributes, operand names, result type); null for impure ops.</summary>
    private static string? Key(BlockOp op, HashSet<string> readOnly)
    {
        if (op is StoreOp or ForOp || op is LoadOp l && !readOnly.Contains(l.Param)) return null;
        if (op.Results.Count() != 1) return null;
        var sb = new StringBuilder();
        sb.Append(op switch
        {
            ProgramIdOp p => "program_id " + p.Axis.ToString(CultureInfo.InvariantCulture),
            ConstantOp c => "constant " + BlockPrinter.FormatScalar(c.Value, c.Result.Type.Element),
            ArangeOp a => "arange " + a.Length.ToString(CultureInfo.InvariantCulture),
            BroadcastOp => "broadcast",
            ReshapeOp => "reshape",
            UnaryBlockOp u => "unary " + u.Op,
            BinaryBlockOp b => "binary " + b.Op,
            SelectBlockOp => "select",
            CastBlockOp => "cast",
            LoadOp load => $"load {load.Param} {(load.Mask is null ? "" : "mask")} {(load.Other is { } o ? BlockPrinter.FormatScalar(o, load.Result.Type.Element) : "")}",
            DotOp => "dot",
            ReduceBlockOp r => $"reduce {r.Op} {r.Axis.ToString(CultureInfo.InvariantCulture)}",
            _ => null,
        });
        if (sb.Length == 0) return null;
        foreach (var v in op.Operands) sb.Append(" %").Append(v.Name);
        return sb.Append(" : ").Append(op.Results.Single().Type).ToString();
    }
}
