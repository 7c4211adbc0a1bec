using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile.Passes;

/// <summary>An ops handler that rebuilds the expression it interprets; override a method to rewrite one kind of
/// node (e.g. rename index variables, rename buffers). Load indices are rebuilt too.</summary>
public class ExprRebuilder : IOpsHandler<Expr>
{
    public Expr Rebuild(Expr e) => e.Accept(this);

    public virtual Expr IndexVar(string name) => new IndexVar(name);
    public virtual Expr Constant(Scalar value, DataType type) => new Constant(value, type);
    public virtual Expr Load(string buffer, ImmutableArray<Expr> indices, DataType elementType) =>
        new Load(buffer, [.. indices.Select(Rebuild)], elementType);
    public virtual Expr Unary(UnaryOp op, Expr x, DataType operandType) => new Unary(op, x);
    public virtual Expr Binary(BinaryOp op, Expr a, Expr b, DataType operandType) => new Binary(op, a, b);
    public virtual Expr Select(Expr condition, Func<Expr> ifTrue, Func<Expr> ifFalse, DataType type) => new Select(condition, ifTrue(), ifFalse());
    public virtual Expr Cast(Expr x, DataType from, DataType to) => new Cast(x, to);
}

/// <summary>Renames index variables (axes).</summary>
public sealed class AxisRenamer(IReadOnlyDictionary<string, string> renames) : ExprRebuilder
{
    public override Expr IndexVar(string name) => new IndexVar(renames.GetValueOrDefault(name) ?? name);
}

/// <summary>Replaces index variables (axes) by expressions.</summary>
public sealed class AxisSubstituter(IReadOnlyDictionary<string, Expr> replace) : ExprRebuilder
{
    public override Expr IndexVar(string name) => replace.TryGetValue(name, out var e) ? e : new IndexVar(name);
}

/// <summary>Walks an expression (including load indices and both branches of selects) in a fixed order.</summary>
public static class ExprWalk
{
    public static IEnumerable<Expr> PreOrder(Expr e)
    {
        var stack = new Stack<Expr>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            yield return x;
            switch (x)
            {
                case Load l: for (int i = l.Indices.Length - 1; i >= 0; i--) stack.Push(l.Indices[i]); break;
                case Unary u: stack.Push(u.X); break;
                case Binary b: stack.Push(b.B); stack.Push(b.A); break;
                case Select s: stack.Push(s.IfFalse); stack.Push(s.IfTrue); stack.Push(s.Condition); break;
                case Cast c: stack.Push(c.X); break;
            }
        }
    }

    /// <summary>The buffers an expression loads, each once, in order of first appearance.</summary>
    public static IEnumerable<string> LoadedBuffers(Expr e) => PreOrder(e).OfType<Load>().Select(l => l.Buffer).Distinct();
}
