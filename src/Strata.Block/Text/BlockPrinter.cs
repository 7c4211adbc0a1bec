using System.Globalization;
using System.Text;
using Strata.Core;
using Strata.Graph.Text;
using Strata.Tile;

namespace Strata.Block.Text;

/// <summary>The text form of a <see cref="BlockKernel"/> (level 2), read back by <see cref="BlockParser"/>:
/// <code>
/// block.kernel @copy(%x: ptr&lt;f32&gt;[100], %out: ptr&lt;f32&gt;[100] output)
///     grid(4) {
///   %p = program_id 0 : index
///   %c32 = constant 32 : index
///   %s = mul %p, %c32 : index
///   %r = arange %s, 32 : index[32]
///   %n = constant 100 : index
///   %m = lt %r, %n : bool[32]
///   %v = load %x[%r] mask %m other 0.0 : f32[32]
///   store %out[%r], %v mask %m
/// }
/// </code>
/// One op per line, every result typed (<c>f32[48,256]</c>, <c>index[48]</c>, <c>index</c> for a scalar i64);
/// parameters are inputs unless marked <c>output</c> or <c>scratch</c>; elementwise ops use the lower-case
/// names of <see cref="UnaryOp"/> and <see cref="BinaryOp"/>.</summary>
public static class BlockPrinter
{
    public const string Indent = "  ";

    public static string Print(BlockKernel kernel)
    {
        var sb = new StringBuilder();
        sb.Append("block.kernel ").Append(TextSyntax.GraphRef(kernel.Name)).Append('(');
        for (int i = 0; i < kernel.Params.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            var p = kernel.Params[i];
            sb.Append(TextSyntax.ValueRef(p.Name)).Append(": ptr<").Append(p.Element.ShortName()).Append(">[")
                .Append(string.Join(",", p.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(']');
            if (p.Role != ParamRole.Input) sb.Append(' ').Append(RoleName(p.Role));
        }
        sb.Append(")\n    grid(").Append(string.Join(", ", kernel.Grid.Select(g => g.ToString(CultureInfo.InvariantCulture)))).Append(") {\n");
        AppendOps(sb, kernel.Body, 1);
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>One op (a <c>for</c> with its body) at the given nesting depth, with a trailing newline.</summary>
    public static string Print(BlockOp op, int depth = 0)
    {
        var sb = new StringBuilder();
        AppendOp(sb, op, depth);
        return sb.ToString();
    }

    public static string RoleName(ParamRole role) => role switch
    {
        ParamRole.Output => "output",
        ParamRole.Scratch => "scratch",
        _ => "input",
    };

    /// <summary><c>f32[48,256]</c>, <c>index[48]</c>, <c>f32</c> for a scalar.</summary>
    public static string FormatType(BlockType type) => type.ToString();

    /// <summary>A literal of the given element type: <c>48</c>, <c>0.0</c>, <c>-inf</c>, <c>nan</c>, <c>true</c>.</summary>
    public static string FormatScalar(Scalar value, DataType type)
    {
        if (type == DataType.Bool) return value.I != 0 ? "true" : "false";
        if (!ScalarSemantics.IsFloat(type))
            return type == DataType.UInt64 ? ((ulong)value.I).ToString(CultureInfo.InvariantCulture) : value.I.ToString(CultureInfo.InvariantCulture);
        double v = value.F;
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        // The shortest decimal that reads back as the same value of this type (0.1 for f16 0.0999755859375).
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        for (int digits = 1; digits <= 17; digits++)
        {
            string candidate = v.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            double back = ScalarSemantics.RoundFloat(double.Parse(candidate, CultureInfo.InvariantCulture), type);
            if (back.Equals(v) && (back != 0 || double.IsNegative(back) == double.IsNegative(v))) { s = candidate; break; }
        }
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s : s + ".0";
    }

    private static void AppendOps(StringBuilder sb, IEnumerable<BlockOp> ops, int depth)
    {
        foreach (var op in ops) AppendOp(sb, op, depth);
    }

    private static string V(BlockValue v) => TextSyntax.ValueRef(v.Name);

    private static string Vs(IEnumerable<BlockValue> vs) => string.Join(", ", vs.Select(V));

    private static void AppendOp(StringBuilder sb, BlockOp op, int depth)
    {
        for (int i = 0; i < depth; i++) sb.Append(Indent);
        switch (op)
        {
            case ProgramIdOp p:
                Typed(sb, p.Result, $"program_id {p.Axis}");
                break;
            case ConstantOp c:
                Typed(sb, c.Result, "constant " + FormatScalar(c.Value, c.Result.Type.Element));
                break;
            case ArangeOp a:
                Typed(sb, a.Result, $"arange {V(a.Start)}, {a.Length}");
                break;
            case BroadcastOp b:
                Typed(sb, b.Result, "broadcast " + V(b.Source));
                break;
            case ReshapeOp r:
                Typed(sb, r.Result, "reshape " + V(r.Source));
                break;
            case UnaryBlockOp u:
                Typed(sb, u.Result, $"{u.Op.Name()} {V(u.X)}");
                break;
            case BinaryBlockOp b:
                Typed(sb, b.Result, $"{b.Op.Name()} {V(b.A)}, {V(b.B)}");
                break;
            case SelectBlockOp s:
                Typed(sb, s.Result, $"select {V(s.Condition)}, {V(s.IfTrue)}, {V(s.IfFalse)}");
                break;
            case CastBlockOp c:
                Typed(sb, c.Result, "cast " + V(c.X));
                break;
            case LoadOp l:
            {
                var text = $"load {TextSyntax.ValueRef(l.Param)}[{Vs(l.Indices)}]";
                if (l.Mask is not null) text += " mask " + V(l.Mask);
                if (l.Other is { } o) text += " other " + FormatScalar(o, l.Result.Type.Element);
                Typed(sb, l.Result, text);
                break;
            }
            case StoreOp s:
                sb.Append("store ").Append(TextSyntax.ValueRef(s.Param)).Append('[').Append(Vs(s.Indices)).Append("], ").Append(V(s.Value));
                if (s.Mask is not null) sb.Append(" mask ").Append(V(s.Mask));
                sb.Append('\n');
                break;
            case DotOp d:
                Typed(sb, d.Result, $"dot {V(d.A)}, {V(d.B)}, {V(d.Accumulator)}");
                break;
            case ReduceBlockOp r:
                Typed(sb, r.Result, $"reduce {r.Op.Name()} {V(r.X)}, axis {r.Axis}");
                break;
            case ForOp f:
            {
                if (f.LoopResults.Length > 0) sb.Append(Vs(f.LoopResults)).Append(" = ");
                sb.Append("for ").Append(V(f.InductionVar)).Append(" = ").Append(V(f.Lower)).Append(" to ").Append(V(f.Upper))
                    .Append(" step ").Append(f.Step.ToString(CultureInfo.InvariantCulture));
                if (f.IterArgs.Length > 0 || f.Inits.Length > 0)
                {
                    sb.Append(" iter(");
                    for (int i = 0; i < Math.Max(f.IterArgs.Length, f.Inits.Length); i++)
                    {
                        if (i > 0) sb.Append(", ");
                        sb.Append(i < f.IterArgs.Length ? V(f.IterArgs[i]) : "%?").Append(" = ").Append(i < f.Inits.Length ? V(f.Inits[i]) : "%?");
                    }
                    sb.Append(')');
                }
                if (f.LoopResults.Length > 0)
                    sb.Append(" -> ").Append(string.Join(", ", f.LoopResults.Select(r => FormatType(r.Type))));
                sb.Append(" {\n");
                AppendOps(sb, f.Body, depth + 1);
                if (f.Yields.Length > 0)
                {
                    for (int i = 0; i <= depth; i++) sb.Append(Indent);
                    sb.Append("yield ").Append(Vs(f.Yields)).Append('\n');
                }
                for (int i = 0; i < depth; i++) sb.Append(Indent);
                sb.Append("}\n");
                break;
            }
            default:
                throw new StrataException(ErrorCode.InvalidIr, $"block op {op.GetType().Name} has no text form", "add it to BlockPrinter and BlockParser");
        }
    }

    private static void Typed(StringBuilder sb, BlockValue result, string text) =>
        sb.Append(V(result)).Append(" = ").Append(text).Append(" : ").Append(FormatType(result.Type)).Append('\n');
}
