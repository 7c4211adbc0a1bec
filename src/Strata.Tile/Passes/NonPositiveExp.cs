using System.Collections.Immutable;

namespace Strata.Tile.Passes;

/// <summary>Marks the exps whose argument is provably ≤ 0 (or NaN): <c>exp(sub(a, %m[…]))</c> where %m is a
/// temporary written once, earlier, by <c>%m[o] = max[k] b</c> and <c>a</c> is <c>b</c> itself at the loaded position
/// <c>o</c> and at an index variable that stays in k's range — so a is one of the values %m is the maximum of, and
/// a − m ≤ 0 (NaN where the maximum is NaN or ±∞ meets ∓∞). Softmax's <c>exp(x − max(x))</c> is the case in point.
/// The exp becomes <see cref="UnaryOp.ExpNonPos"/> (exp(min(x, 0))): the same value here, which a backend evaluates
/// without exp's overflow path. The proof is structural (the same expression tree, buffers not written between the max and the exp), so
/// both sides are computed by the same operations in the same order; nothing depends on the op that was lowered.</summary>
public sealed class NonPositiveExp : ITilePass
{
    public string Name => "NonPositiveExp";

    public TileKernel Run(TileKernel kernel)
    {
        var comps = kernel.Computations.ToBuilder();
        bool changed = false;
        for (int i = 0; i < comps.Count; i++)
        {
            var body = new Rewriter(kernel, comps, i).Rebuild(comps[i].Body);
            if (body.Equals(comps[i].Body)) continue;
            comps[i] = comps[i] with { Body = body };
            changed = true;
        }
        return changed ? kernel with { Computations = comps.ToImmutable() } : kernel;
    }

    private sealed class Rewriter(TileKernel kernel, ImmutableArray<Computation>.Builder comps, int at) : ExprRebuilder
    {
        public override Expr Unary(UnaryOp op, Expr x, Core.DataType operandType) =>
            op == UnaryOp.Exp && x is Binary { Op: BinaryOp.Sub } sub && new Proof(kernel, comps, at).IsAtMost(sub.A, sub.B)
                ? new Unary(UnaryOp.ExpNonPos, x)
                : new Unary(op, x);
    }

    private sealed class Proof(TileKernel kernel, ImmutableArray<Computation>.Builder comps, int at)
    {

        /// <summary>Whether <paramref name="a"/> ≤ <paramref name="m"/> wherever both are evaluated (or one is NaN).</summary>
        public bool IsAtMost(Expr a, Expr m)
        {
            // A float-to-float cast rounds monotonically: a ≤ m stays true after it.
            if (a is Cast ca && m is Cast cm && ca.To == cm.To && ScalarSemantics.IsFloat(ca.To)
                && ScalarSemantics.IsFloat(ca.X.Type) && ScalarSemantics.IsFloat(cm.X.Type))
                return IsAtMost(ca.X, cm.X);
            if (m is not Load load || !kernel.Temps.Any(t => t.Name == load.Buffer)) return false;
            int w = -1;
            for (int c = 0; c < comps.Count; c++)
                if (comps[c].Output == load.Buffer) { if (w >= 0) return false; w = c; }
            if (w < 0 || w >= at) return false;
            var max = comps[w];
            // maxnative is the maximum wherever its group holds no NaN; in a group with one, a − m may be > 0, but then
            // every result reading m is NaN whatever the exp gives (ReduceOp.MaxNative's contract).
            if (max.Reduce is not { Op: ReduceOp.Max or ReduceOp.MaxNative } reduce || max.Indices.Length != load.Indices.Length) return false;
            // The values the maximum reads must be the ones `a` reads: no buffer it loads is written after it.
            foreach (var buffer in ExprWalk.LoadedBuffers(max.Body))
                for (int c = w; c < at; c++)
                    if (comps[c].Output == buffer) return false;
            var bound = new Dictionary<string, Expr>();
            for (int d = 0; d < max.Indices.Length; d++) bound[max.Indices[d]] = load.Indices[d];
            return Matches(max.Body, a, bound, reduce.Axes);
        }

        /// <summary>Whether <paramref name="e"/> is <paramref name="pattern"/> with its output indices replaced by the
        /// loaded position and each reduction axis by one index variable whose range lies within the axis's.</summary>
        private bool Matches(Expr pattern, Expr e, Dictionary<string, Expr> bound, ImmutableArray<string> reduceAxes)
        {
            switch (pattern)
            {
                case IndexVar v when bound.TryGetValue(v.Name, out var b):
                    return b.Equals(e);
                case IndexVar v when reduceAxes.Contains(v.Name):
                    if (e is not IndexVar ev || kernel.Axes.FirstOrDefault(x => x.Name == ev.Name) is not { } axis
                        || axis.Extent > kernel.Axis(v.Name).Extent) return false;
                    bound[v.Name] = e;
                    return true;
                case IndexVar or Constant:
                    return pattern.Equals(e);
                case Load l when e is Load el && l.Buffer == el.Buffer && l.ElementType == el.ElementType && l.Indices.Length == el.Indices.Length:
                    for (int d = 0; d < l.Indices.Length; d++)
                        if (!Matches(l.Indices[d], el.Indices[d], bound, reduceAxes)) return false;
                    return true;
                case Unary u when e is Unary eu && u.Op == eu.Op:
                    return Matches(u.X, eu.X, bound, reduceAxes);
                case Binary b when e is Binary eb && b.Op == eb.Op:
                    return Matches(b.A, eb.A, bound, reduceAxes) && Matches(b.B, eb.B, bound, reduceAxes);
                case Select s when e is Select es:
                    return Matches(s.Condition, es.Condition, bound, reduceAxes) && Matches(s.IfTrue, es.IfTrue, bound, reduceAxes)
                        && Matches(s.IfFalse, es.IfFalse, bound, reduceAxes);
                case Cast c when e is Cast ec && c.To == ec.To:
                    return Matches(c.X, ec.X, bound, reduceAxes);
                default:
                    return false;
            }
        }
    }
}
