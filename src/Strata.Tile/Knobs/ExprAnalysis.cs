using System.Collections.Immutable;
using Strata.Core;

namespace Strata.Tile;

/// <summary>Small read-only analyses of Tile expressions, written as ops handlers: which axes an expression
/// depends on, and which loads it contains (index expressions of loads included).</summary>
public static class ExprAnalysis
{
    /// <summary>The axes (index variables) <paramref name="e"/> depends on, through loads' indices too.</summary>
    public static ImmutableSortedSet<string> AxesOf(Expr e) => e.Accept(AxesHandler.Instance);

    /// <summary>Every load in <paramref name="e"/>, outermost first (a load used as an index of another comes after it).</summary>
    public static IReadOnlyList<Load> LoadsOf(Expr e)
    {
        var h = new LoadsHandler();
        e.Accept(h);
        return h.Loads;
    }

    private sealed class AxesHandler : IOpsHandler<ImmutableSortedSet<string>>
    {
        public static readonly AxesHandler Instance = new();
        private static readonly ImmutableSortedSet<string> None = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

        public ImmutableSortedSet<string> IndexVar(string name) => None.Add(name);
        public ImmutableSortedSet<string> Constant(Scalar value, DataType type) => None;
        public ImmutableSortedSet<string> Load(string buffer, ImmutableArray<Expr> indices, DataType elementType) =>
            indices.Aggregate(None, (s, i) => s.Union(i.Accept(this)));
        public ImmutableSortedSet<string> Unary(UnaryOp op, ImmutableSortedSet<string> x, DataType operandType) => x;
        public ImmutableSortedSet<string> Binary(BinaryOp op, ImmutableSortedSet<string> a, ImmutableSortedSet<string> b, DataType operandType) => a.Union(b);
        public ImmutableSortedSet<string> Select(ImmutableSortedSet<string> condition, Func<ImmutableSortedSet<string>> ifTrue,
            Func<ImmutableSortedSet<string>> ifFalse, DataType type) => condition.Union(ifTrue()).Union(ifFalse());
        public ImmutableSortedSet<string> Cast(ImmutableSortedSet<string> x, DataType from, DataType to) => x;
    }

    private sealed class LoadsHandler : IOpsHandler<bool>
    {
        public readonly List<Load> Loads = [];

        public bool IndexVar(string name) => true;
        public bool Constant(Scalar value, DataType type) => true;
        public bool Load(string buffer, ImmutableArray<Expr> indices, DataType elementType)
        {
            Loads.Add(new Load(buffer, indices, elementType));
            foreach (var i in indices) i.Accept(this);
            return true;
        }
        public bool Unary(UnaryOp op, bool x, DataType operandType) => true;
        public bool Binary(BinaryOp op, bool a, bool b, DataType operandType) => true;
        public bool Select(bool condition, Func<bool> ifTrue, Func<bool> ifFalse, DataType type) => ifTrue() & ifFalse();
        public bool Cast(bool x, DataType from, DataType to) => true;
    }
}
