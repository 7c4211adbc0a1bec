using System.Globalization;
using System.Text;
using Strata.Block;
using Strata.Block.Text;
using Strata.Core;
using Strata.Graph.Text;
using Strata.Tile;

namespace Strata.Machine.Text;

/// <summary>The text form of a <see cref="MachineKernel"/> (level 3), read back by <see cref="MachineParser"/>:
/// <code>
/// machine.kernel @k target(x86-64-avx2) (%x: ptr&lt;f32&gt;[100], %out: ptr&lt;f32&gt;[100] output)
///     programs(4) {
///   buffer %t: f32[32]
///   %p = program_id 0 : i64
///   %c8 = const 8 : i64
///   %i = mul %p, %c8 : i64
///   %v = load %x[%i] count %c8 : v8f32
///   store %out[%i], %v count %c8
/// }
/// </code>
/// One statement per line; every assignment ends with the register's type (<c>: v8f32</c>); parameters print as in
/// the Block text form; local buffers come first in the body; loops and ifs nest with two spaces per level.</summary>
public static class MachinePrinter
{
    public const string Indent = "  ";

    public static string Print(MachineKernel kernel)
    {
        var sb = new StringBuilder();
        sb.Append("machine.kernel ").Append(TextSyntax.GraphRef(kernel.Name))
            .Append(" target(").Append(kernel.Target.Name).Append(") (");
        for (int i = 0; i < kernel.Params.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            var p = kernel.Params[i];
            sb.Append(TextSyntax.ValueRef(p.Name)).Append(": ptr<").Append(p.Element.ShortName()).Append(">[")
                .Append(string.Join(",", p.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(']');
            if (p.Role != ParamRole.Input) sb.Append(' ').Append(BlockPrinter.RoleName(p.Role));
        }
        sb.Append(")\n    programs(").Append(string.Join(", ", kernel.Grid.Select(g => g.ToString(CultureInfo.InvariantCulture)))).Append(") {\n");
        foreach (var b in kernel.Buffers)
            sb.Append(Indent).Append("buffer ").Append(TextSyntax.ValueRef(b.Name)).Append(": ").Append(b.Element.ShortName())
                .Append('[').Append(b.Length.ToString(CultureInfo.InvariantCulture)).Append("]\n");
        AppendStmts(sb, kernel.Body, 1);
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>One statement (a loop or if with its bodies) at the given nesting depth, with a trailing newline.</summary>
    public static string Print(MStmt stmt, int depth = 0)
    {
        var sb = new StringBuilder();
        AppendStmt(sb, stmt, depth);
        return sb.ToString();
    }

    /// <summary>The first line of a statement without indentation or newline (for diagnostics).</summary>
    public static string Headline(MStmt stmt)
    {
        string text = Print(stmt, 0);
        int nl = text.IndexOf('\n');
        return nl < 0 ? text : text[..nl];
    }

    /// <summary><c>f32</c>, <c>i64</c>, <c>v8f32</c>, <c>v8bool</c>.</summary>
    public static string FormatType(MType type) => type.ToString();

    private static string R(Reg r) => TextSyntax.ValueRef(r.Name);

    private static string M(string memory) => TextSyntax.ValueRef(memory);

    private static void AppendStmts(StringBuilder sb, IEnumerable<MStmt> stmts, int depth)
    {
        foreach (var s in stmts) AppendStmt(sb, s, depth);
    }

    private static void Pad(StringBuilder sb, int depth)
    {
        for (int i = 0; i < depth; i++) sb.Append(Indent);
    }

    private static void AppendStmt(StringBuilder sb, MStmt stmt, int depth)
    {
        Pad(sb, depth);
        switch (stmt)
        {
            case ConstStmt c:
                Typed(sb, c.Target, "const " + BlockPrinter.FormatScalar(c.Value, c.Target.Type.Element));
                break;
            case ProgramIdStmt p:
                Typed(sb, p.Target, "program_id " + p.Axis.ToString(CultureInfo.InvariantCulture));
                break;
            case MoveStmt m:
                Typed(sb, m.Target, "mov " + R(m.Source));
                break;
            case UnaryStmt u:
                Typed(sb, u.Target, $"{u.Op.Name()} {R(u.X)}");
                break;
            case BinaryStmt b:
                Typed(sb, b.Target, $"{b.Op.Name()} {R(b.A)}, {R(b.B)}");
                break;
            case FmaStmt f:
                Typed(sb, f.Target, $"fma {R(f.A)}, {R(f.B)}, {R(f.C)}");
                break;
            case SelectStmt s:
                Typed(sb, s.Target, $"select {R(s.Condition)}, {R(s.IfTrue)}, {R(s.IfFalse)}");
                break;
            case CastStmt c:
                Typed(sb, c.Target, "cast " + R(c.X));
                break;
            case BroadcastStmt b:
                Typed(sb, b.Target, "broadcast " + R(b.Source));
                break;
            case ShuffleStmt sh:
                Typed(sb, sh.Target, $"shuffle {R(sh.A)}, {R(sh.B)} [{string.Join(", ", sh.Lanes.Select(i => i.ToString(CultureInfo.InvariantCulture)))}]");
                break;
            case ReduceLanesStmt r:
                Typed(sb, r.Target, $"reduce_lanes {r.Op.Name()} {R(r.Vector)}");
                break;
            case LoadStmt l:
            {
                var text = $"load {M(l.Memory)}[{R(l.Index)}]";
                if (l.Mask is not null) text += " mask " + R(l.Mask);
                if (l.Stride != 1) text += " stride " + l.Stride.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (l.From is not null) text += " from " + R(l.From);
                if (l.Count is not null) text += " count " + R(l.Count);
                if (l.Other is { } o) text += " other " + BlockPrinter.FormatScalar(o, l.Target.Type.Element);
                Typed(sb, l.Target, text);
                break;
            }
            case StoreStmt s:
                sb.Append("store ").Append(M(s.Memory)).Append('[').Append(R(s.Index)).Append("], ").Append(R(s.Value));
                if (s.Mask is not null) sb.Append(" mask ").Append(R(s.Mask));
                if (s.Stride != 1) sb.Append(" stride ").Append(s.Stride.ToString(CultureInfo.InvariantCulture));
                if (s.From is not null) sb.Append(" from ").Append(R(s.From));
                if (s.Count is not null) sb.Append(" count ").Append(R(s.Count));
                sb.Append('\n');
                break;
            case PrefetchStmt p:
                sb.Append("prefetch ").Append(M(p.Memory)).Append('[').Append(R(p.Index)).Append("]\n");
                break;
            case LoopStmt l:
                sb.Append("loop ").Append(R(l.Var)).Append(" = ").Append(R(l.Lower)).Append(" to ").Append(R(l.Upper))
                    .Append(" step ").Append(l.Step.ToString(CultureInfo.InvariantCulture)).Append(" {\n");
                AppendStmts(sb, l.Body, depth + 1);
                Pad(sb, depth);
                sb.Append("}\n");
                break;
            case IfStmt i:
                sb.Append("if ").Append(R(i.Condition)).Append(" {\n");
                AppendStmts(sb, i.Then, depth + 1);
                Pad(sb, depth);
                if (i.Else.Length > 0)
                {
                    sb.Append("} else {\n");
                    AppendStmts(sb, i.Else, depth + 1);
                    Pad(sb, depth);
                }
                sb.Append("}\n");
                break;
            default:
                throw new StrataException(ErrorCode.InvalidIr, $"machine statement {stmt.GetType().Name} has no text form",
                    "add it to MachinePrinter and MachineParser");
        }
    }

    private static void Typed(StringBuilder sb, Reg target, string text) =>
        sb.Append(R(target)).Append(" = ").Append(text).Append(" : ").Append(FormatType(target.Type)).Append('\n');
}
