using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Strata.Core;
using Strata.Tile.Text;

namespace Strata.Tile;

/// <summary>The identity of a tuning workload: SHA-256 (lower-case hex) of the kernel's canonical text plus the
/// target. The canonical text is the printed kernel with its name replaced by <c>k</c>, buffers renamed
/// <c>b0, b1, …</c> and axes <c>a0, a1, …</c> in order of appearance in the text (parameters, temps, axis
/// declarations, then any undeclared name where it is first used), so two kernels that differ only in names share
/// a key, and kernels that differ in anything else (dtypes, shapes, ops, order) do not.</summary>
public static class WorkloadKey
{
    public static string Of(TileKernel kernel, string target)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(target);
        string text = CanonicalText(kernel) + "target " + target + "\n";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The text that is hashed (without the target line): the kernel printed with normalised names.</summary>
    public static string CanonicalText(TileKernel kernel) => TilePrinter.Print(Normalize(kernel));

    /// <summary>The kernel with normalised names (see <see cref="WorkloadKey"/>).</summary>
    public static TileKernel Normalize(TileKernel kernel)
    {
        var renamer = new Renamer();
        foreach (var b in kernel.Buffers) renamer.Buffer(b.Name);
        foreach (var a in kernel.Axes) renamer.Axis(a.Name);
        TileBuffer Rename(TileBuffer b) => b with { Name = renamer.Buffer(b.Name) };
        var computations = kernel.Computations.Select(c => new Computation(
            renamer.Buffer(c.Output),
            [.. c.Indices.Select(renamer.Axis)],
            c.Reduce is { } r ? new Reduction(r.Op, [.. r.Axes.Select(renamer.Axis)]) : null,
            c.Body.Accept(renamer))).ToImmutableArray();
        return new TileKernel("k",
            [.. kernel.Inputs.Select(Rename)], [.. kernel.Outputs.Select(Rename)], [.. kernel.Temps.Select(Rename)],
            [.. kernel.Axes.Select(a => a with { Name = renamer.Axis(a.Name) })], computations);
    }

    /// <summary>Rebuilds an expression with new names: an <see cref="IOpsHandler{T}"/> over expressions.</summary>
    private sealed class Renamer : IOpsHandler<Expr>
    {
        private readonly Dictionary<string, string> _buffers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _axes = new(StringComparer.Ordinal);

        public string Buffer(string name) => Map(_buffers, name, "b");
        public string Axis(string name) => Map(_axes, name, "a");

        private static string Map(Dictionary<string, string> map, string name, string prefix)
        {
            if (!map.TryGetValue(name, out var n)) map[name] = n = prefix + map.Count;
            return n;
        }

        public Expr IndexVar(string name) => new IndexVar(Axis(name));
        public Expr Constant(Scalar value, DataType type) => new Constant(value, type);
        public Expr Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
        {
            string b = Buffer(buffer);
            return new Load(b, [.. indices.Select(i => i.Accept(this))], elementType);
        }
        public Expr Unary(UnaryOp op, Expr x, DataType operandType) => new Unary(op, x);
        public Expr Binary(BinaryOp op, Expr a, Expr b, DataType operandType) => new Binary(op, a, b);
        public Expr Select(Expr condition, Func<Expr> ifTrue, Func<Expr> ifFalse, DataType type)
        {
            var t = ifTrue();
            return new Select(condition, t, ifFalse());
        }
        public Expr Cast(Expr x, DataType from, DataType to) => new Cast(x, to);
    }
}
