using System.Collections.Immutable;
using System.Text;
using Strata.Core;

namespace Strata.Tile.Text;

/// <summary>Writes the Tile text form (grammar in <c>src/Strata.Tile/Text/README.md</c>):
/// <code>
/// tile.kernel @mlp.k0(%x: f32[128,768], %w1: f32[768,3072], %b1: f32[3072]) -> (%out: f32[128,3072]) {
///   temp %acc: f32[128,3072]
///   domain m = 128, n = 3072
///   reduce k = 768
///   %acc[m, n] = sum[k] mul(%x[m, k], %w1[k, n])
///   %out[m, n] = gelu(add(%acc[m, n], %b1[n]))
/// }
/// knobs @mlp.k0 {
///   block.m in {1, 2, 4}  # rows per block
/// }
/// config @mlp.k0 {block.m = 4}
/// </code>
/// <see cref="TileParser.Parse"/> reads it back: <c>Print(Parse(Print(k))) == Print(k)</c>. Expressions are printed
/// by an <see cref="IOpsHandler{T}"/> over strings (<see cref="PrintExpr"/>).</summary>
public static class TilePrinter
{
    public static string Print(TileKernel kernel, IEnumerable<Knob>? knobs = null, Config? config = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var sb = new StringBuilder();
        AppendKernel(sb, kernel);
        var knobList = knobs?.ToList();
        if (knobList is { Count: > 0 }) AppendKnobs(sb, kernel.Name, knobList);
        if (config is not null)
            sb.Append("config ").Append(TileSyntax.KernelRef(kernel.Name)).Append(' ').Append(config).Append('\n');
        return sb.ToString();
    }

    /// <summary>One expression: <c>gelu(add(%acc[m, n], %b1[n]))</c>.</summary>
    public static string PrintExpr(Expr expr) => expr.Accept(ExprPrinter.Instance);

    /// <summary>One computation: <c>%acc[m, n] = sum[k] mul(%x[m, k], %w1[k, n])</c>.</summary>
    public static string PrintComputation(Computation c)
    {
        var sb = new StringBuilder();
        sb.Append(TileSyntax.BufferRef(c.Output)).Append('[');
        AppendAxes(sb, c.Indices);
        sb.Append("] = ");
        if (c.Reduce is { } r)
        {
            sb.Append(r.Op.Name()).Append('[');
            AppendAxes(sb, r.Axes);
            sb.Append("] ");
        }
        return sb.Append(PrintExpr(c.Body)).ToString();
    }

    /// <summary>Whether an axis is printed under <c>domain</c> (it indexes some computation's output) or <c>reduce</c>.</summary>
    public static bool IsDomainAxis(TileKernel kernel, string axis)
    {
        foreach (var c in kernel.Computations)
            if (c.Indices.Contains(axis)) return true;
        return false;
    }

    private static void AppendKernel(StringBuilder sb, TileKernel k)
    {
        sb.Append("tile.kernel ").Append(TileSyntax.KernelRef(k.Name)).Append('(');
        AppendParams(sb, k.Inputs);
        sb.Append(") -> (");
        AppendParams(sb, k.Outputs);
        sb.Append(") {\n");
        foreach (var t in k.Temps)
            sb.Append("  temp ").Append(TileSyntax.BufferRef(t.Name)).Append(": ").Append(t.TypeText).Append('\n');
        // Consecutive axes of the same kind share a line, so the kernel's axis order is kept.
        int i = 0;
        while (i < k.Axes.Length)
        {
            bool domain = IsDomainAxis(k, k.Axes[i].Name);
            sb.Append(domain ? "  domain " : "  reduce ");
            for (int j = i; i < k.Axes.Length && IsDomainAxis(k, k.Axes[i].Name) == domain; i++)
            {
                if (i > j) sb.Append(", ");
                sb.Append(TileSyntax.AxisRef(k.Axes[i].Name)).Append(" = ").Append(k.Axes[i].Extent);
            }
            sb.Append('\n');
        }
        foreach (var c in k.Computations) sb.Append("  ").Append(PrintComputation(c)).Append('\n');
        sb.Append("}\n");
    }

    private static void AppendParams(StringBuilder sb, ImmutableArray<TileBuffer> buffers)
    {
        for (int i = 0; i < buffers.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(TileSyntax.BufferRef(buffers[i].Name)).Append(": ").Append(buffers[i].TypeText);
        }
    }

    private static void AppendAxes(StringBuilder sb, ImmutableArray<string> axes)
    {
        for (int i = 0; i < axes.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(TileSyntax.AxisRef(axes[i]));
        }
    }

    private static void AppendKnobs(StringBuilder sb, string kernel, List<Knob> knobs)
    {
        sb.Append("knobs ").Append(TileSyntax.KernelRef(kernel)).Append(" {\n");
        int nameWidth = knobs.Max(k => k.Name.Length);
        var lines = knobs.Select(k => k.Name.PadRight(nameWidth) + " in {" + string.Join(", ", k.Values) + "}").ToList();
        int width = lines.Max(l => l.Length);
        for (int i = 0; i < knobs.Count; i++)
        {
            sb.Append("  ");
            string description = string.Join(' ', (knobs[i].Description ?? "").Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries)).Trim();
            if (description.Length == 0) sb.Append(lines[i]);
            else sb.Append(lines[i].PadRight(width)).Append("  # ").Append(description);
            sb.Append('\n');
        }
        sb.Append("}\n");
    }

    /// <summary>Expressions as text: one handler method per kind of expression.</summary>
    private sealed class ExprPrinter : IOpsHandler<string>
    {
        public static readonly ExprPrinter Instance = new();

        public string IndexVar(string name) => TileSyntax.AxisRef(name);

        public string Constant(Scalar value, DataType type) => TileSyntax.Constant(value, type);

        public string Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
        {
            var sb = new StringBuilder(TileSyntax.BufferRef(buffer)).Append('[');
            for (int i = 0; i < indices.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(indices[i].Accept(this));
            }
            return sb.Append(']').ToString();
        }

        public string Unary(UnaryOp op, string x, DataType operandType) => $"{op.Name()}({x})";

        public string Binary(BinaryOp op, string a, string b, DataType operandType) => $"{op.Name()}({a}, {b})";

        public string Select(string condition, Func<string> ifTrue, Func<string> ifFalse, DataType type) =>
            $"select({condition}, {ifTrue()}, {ifFalse()})";

        public string Cast(string x, DataType from, DataType to) => $"cast<{to.ShortName()}>({x})";
    }
}
