using System.Collections.Immutable;
using System.Text;
using Strata.Core;
using Strata.Graph;

namespace Strata.Tile.Fusion;

/// <summary>Graph → Tile: partitions a type-inferred graph with static shapes into fused kernels and fallback steps.
/// <para>Nodes are visited in graph (topological) order. A node whose op has a Tile lowering that accepts it joins
/// the open kernel when it reads a value that kernel produces or, unless the kernel holds a contraction, a
/// (non-constant) value that kernel reads too (a sibling: <c>x - 1</c> and <c>exp(x)</c> fuse, so <c>x</c> is read
/// once); else it starts a new kernel. Contractions
/// (<see cref="FusionOptions.Contractions"/>) start a new kernel, so a kernel holds at most one contraction and absorbs
/// its epilogue (bias, activation, normalisation, residual add); the one exception is a prologue of pure views (a
/// transpose or reshape of an input): a contraction that reads an open kernel made only of views joins it, so the
/// view becomes index arithmetic rather than a copy. Pointwise ops and views chain into their producers,
/// reductions join their producers and consumers (softmax, LayerNorm written out, RMSNorm).</para>
/// <para>Inside a kernel, values are inner functions (<see cref="TileValue"/>): a reader inlines its producer. A value
/// read by several node inputs is stored in a temporary when it is costly to recompute (see
/// <see cref="FusionOptions.InlineLimit"/>). A value read outside its kernel (by a later kernel, a fallback, or as a
/// graph output) becomes a kernel output; a kernel's inputs are graph inputs, constants and earlier steps' outputs.
/// A node that does not lower becomes a <see cref="FallbackStep"/> that says why; it is placed before the open
/// kernel when it does not read that kernel's values, else the open kernel is closed first. Cutting the node list
/// into consecutive pieces this way cannot create cycles.</para>
/// <para>Deterministic: the same graph gives the same kernels, names (<c>@graph.k0</c>, <c>@graph.k1</c>, …) and steps.</para></summary>
public sealed class FusionPass(ExtensionRegistry? registry = null, FusionOptions? options = null)
{
    public ExtensionRegistry Registry { get; } = registry ?? TileRegistry.Default;
    public FusionOptions Options { get; } = options ?? FusionOptions.Default;

    public TileProgram Run(Graph.Graph graph) => new Partitioner(this, graph).Run();

    /// <summary>The kernel name prefix for a graph: its name with characters outside <c>[A-Za-z0-9_.]</c> replaced.</summary>
    public static string KernelPrefix(Graph.Graph graph)
    {
        var sb = new StringBuilder();
        foreach (var c in graph.Name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' ? c : '_');
        return sb.Length == 0 || char.IsAsciiDigit(sb[0]) ? "g" + sb : sb.ToString();
    }

    private sealed class Partitioner(FusionPass pass, Graph.Graph graph)
    {
        private readonly GraphUses _uses = new(graph);
        private readonly List<ProgramStep> _steps = [];
        private readonly string _prefix = KernelPrefix(graph);
        private OpenKernel? _open;
        private int _kernelCount;

        public TileProgram Run()
        {
            foreach (var node in graph.Nodes) Visit(node);
            Close();
            return new TileProgram(graph, [.. _steps]);
        }

        private void Visit(Node node)
        {
            var lowering = pass.Registry.FindLowering(node);
            string? reason = lowering is null ? $"no Tile lowering is registered for {node.OpKey}" : CheckTypes(node);
            if (reason is null && pass.Options.InPlaceConcats && InPlaceConcat.IsCandidate(node, graph.Inputs.Contains, _uses.IsGraphOutput))
            {
                // Alone in its kernel: the runtime lays its inputs out inside its buffer (see InPlaceConcat).
                var alone = new OpenKernel(this, $"{_prefix}.k{_kernelCount}");
                if (alone.TryLower(node, lowering!) is null)
                {
                    Close();
                    _open = alone;
                    _kernelCount++;
                    Close();
                    return;
                }
            }
            if (reason is null)
            {
                bool contraction = pass.Options.Contractions.Contains(node.OpKey);
                bool connected = _open is not null && _uses.ReadsOf(node).Any(v => _open.Produces(v) || (v.Constant is null && !_open.HasContraction && _open.Reads(v)));
                // A conv may take a view that divides only outer indices (a channel shuffle: Reshape, Transpose, Reshape
                // over the channels): each row it reads stays a contiguous run along the innermost axis.
                bool prologue = contraction && _open is not null && _open.IsViewOnly
                    && (!_open.DividesIndices || (node.OpKey == "Conv" && !_open.DividesInnermostIndex))
                    && _uses.ReadsOf(node).Any(_open.Produces);
                if ((connected && !contraction) || prologue)
                {
                    reason = _open!.TryLower(node, lowering!);
                    if (reason is null) return;
                }
                // A new kernel (also when the lowering declined inside the open one: it may accept plain inputs).
                var fresh = new OpenKernel(this, $"{_prefix}.k{_kernelCount}");
                var freshReason = fresh.TryLower(node, lowering!);
                if (freshReason is null)
                {
                    Close();
                    _open = fresh;
                    _kernelCount++;
                    return;
                }
                reason ??= freshReason;
            }
            // A fallback runs before the open kernel unless it reads that kernel's values.
            if (_open is not null && _uses.ReadsOf(node).Any(_open.Produces)) Close();
            _steps.Add(new FallbackStep(node, reason));
        }

        private void Close()
        {
            if (_open is null) return;
            if (_open.Finish() is { } step) _steps.Add(step);
            _open = null;
        }

        /// <summary>Why a node cannot lower whatever its op: a value without a static shape or of a type the scalar
        /// levels cannot compute (strings, sequences, float8…). Null when the types are fine.</summary>
        private static string? CheckTypes(Node node)
        {
            foreach (var (v, what) in node.Inputs.Select(v => (v, "input")).Concat(node.Outputs.Select(v => (v, "output"))))
            {
                if (v is null) continue;
                if (v.Type is not TensorType tt)
                    return $"{what} %{v.Name} is {(v.Type is null ? "of unknown type" : $"a {v.Type}")}, not a tensor";
                if (!ScalarSemantics.IsSupported(tt.ElementType))
                    return $"{what} %{v.Name} has element type {tt.ElementType.ShortName()}, which the Tile level does not compute";
                if (tt.Shape is not { IsFullyKnown: true })
                    return $"{what} %{v.Name} has no static shape ({tt})";
            }
            return null;
        }

        /// <summary>The kernel being built: its builder, nodes, inputs and the values it produces.</summary>
        private sealed class OpenKernel(Partitioner owner, string name)
        {
            private readonly KernelBuilder _builder = new(name);
            private readonly List<Node> _nodes = [];
            private readonly List<Value> _inputs = [];
            private readonly Dictionary<Value, TileValue> _inputValues = new(ReferenceEqualityComparer.Instance);
            private readonly List<Value> _produced = [];
            private readonly Dictionary<Value, TileValue> _values = new(ReferenceEqualityComparer.Instance);

            private FusionOptions Options => owner.Pass.Options;

            /// <summary>The parallel extent after the last node that joined (tracked once a contraction is in).</summary>
            private long _parallelExtent;

            /// <summary>The multiply-adds of the kernel's contraction (0 before one joins).</summary>
            private long _contractionWork;

            public bool Produces(Value v) => _values.ContainsKey(v);

            /// <summary>True while the kernel only rearranges its inputs (reshapes, transposes, slices…: every value
            /// is a load at remapped indices, there are no temporaries and no contraction), so a contraction that
            /// reads it can absorb it as index arithmetic instead of reading a copy.</summary>
            public bool IsViewOnly { get; private set; } = true;

            /// <summary>True when a view of this kernel reads its input at a floor division or remainder of an index (a
            /// Reshape that merges axes, seen from the merged side): a contraction reading such a view would gather its
            /// operand element by element, so the view stays a copy kernel of its own instead of a prologue.</summary>
            public bool DividesIndices { get; private set; }

            /// <summary>True when such a floor division or remainder involves a view's innermost index (a flatten, a head
            /// merge): a row of the view is then no contiguous run of its input.</summary>
            public bool DividesInnermostIndex { get; private set; }

            /// <summary>True once a contraction has joined (siblings then stay out: the kernel is the contraction's).</summary>
            public bool HasContraction { get; private set; }

            /// <summary>True when <paramref name="v"/> is one of this kernel's inputs.</summary>
            public bool Reads(Value v) => _inputValues.ContainsKey(v);

            /// <summary>Lowers <paramref name="node"/> into this kernel; on refusal undoes everything and says why.</summary>
            public string? TryLower(Node node, ITileLowering lowering)
            {
                var mark = _builder.Mark();
                int inputCount = _inputs.Count;
                var args = node.Inputs.Select(v => v is null ? null : ValueOf(v)).ToList();
                var context = new TileLoweringContext(node, owner.Source.Opset(node.Domain), args,
                    i => node.Inputs[i]?.Constant, _builder);
                IReadOnlyList<TileValue?>? results;
                try
                {
                    results = lowering.Lower(context);
                }
                catch (StrataException e)
                {
                    Undo(mark, inputCount);
                    return $"the lowering of {node.OpKey} failed: {e.CodeText} {e.Message}";
                }
                if (results is null)
                {
                    Undo(mark, inputCount);
                    return $"the lowering of {node.OpKey} declined" + (context.DeclineReason is { } why ? $": {why}" : "");
                }
                if (Missing(node, results) is { } missing)
                {
                    Undo(mark, inputCount);
                    return $"the lowering of {node.OpKey} declined: it gives no value for output %{missing.Name}";
                }
                bool contraction = owner.Pass.Options.Contractions.Contains(node.OpKey);
                if (contraction && IsViewOnly && ReadsViewAcrossK(node, results, inputCount))
                {
                    Undo(mark, inputCount);
                    return $"{node.OpKey} would read a view of this kernel along its reduction axis (a transposed [K, N] operand packed per block): the view is stored once in the layout the contraction reads";
                }
                if (Options.PoolsAfterContractions.Contains(node.OpKey) && node.Inputs.Any(v => v is not null && Produces(v))
                    && _nodes.Any(n => n.OpType == "Concat" && n.Domain.Length == 0 && n.Inputs.Length > Options.MaxConcatInputsUnderPool))
                {
                    Undo(mark, inputCount);
                    return $"{node.OpKey} would read this kernel's Concat through windows: the Concat keeps its own kernel";
                }
                if (HasContraction || contraction)
                {
                    var (extent, work, width, foreign) = Parallelism(node, results);
                    long min = Options.MinParallelExtent;
                    // A pool splits off whatever the size of the map between: fused, the contraction is computed per
                    // program as a temp rather than tiled as a dot (see PoolsAfterContractions).
                    if (!contraction && _contractionWork >= Options.MinParallelWork
                        && (Options.PoolsAfterContractions.Contains(node.OpKey) || Options.SplitAfterContractions.Contains(node.OpKey)))
                    {
                        Undo(mark, inputCount);
                        return $"{node.OpKey} {(node.OpType == "Pad" ? "pads" : "pools")} the contraction's output: the contraction keeps its own kernel";
                    }
                    if (!contraction && _contractionWork >= Options.MinParallelWork && SplitElements(node) <= Options.MaxSplitElements)
                    {
                        if (_parallelExtent >= min && extent < min)
                        {
                            Undo(mark, inputCount);
                            return $"{node.OpKey} would leave the contraction's kernel a parallel extent of {extent} (it had {_parallelExtent})";
                        }
                        if (Options.MaxFusedReductionWidth > 0 && width > Options.MaxFusedReductionWidth)
                        {
                            Undo(mark, inputCount);
                            return $"{node.OpKey} reduces rows of {width} elements of the contraction's output: the contraction keeps its own kernel";
                        }
                        if (foreign && Options.ReindexingViews.Contains(node.OpKey))
                        {
                            Undo(mark, inputCount);
                            return $"{node.OpKey} re-indexes the contraction's output: the contraction keeps its own kernel";
                        }
                    }
                    _parallelExtent = extent;
                    if (contraction) _contractionWork = work;
                }
                for (int i = 0; i < node.Outputs.Length; i++)
                {
                    if (node.Outputs[i] is not { } o) continue;
                    var tv = results[i]!;
                    CheckAgainstGraph(node, o, tv);
                    if (owner._uses.SlotUses(o) >= 2 && IsCostly(tv)) tv = _builder.Materialize(tv, o.Name);
                    _values[o] = tv;
                    _produced.Add(o);
                    if (!IsView(tv)) IsViewOnly = false;
                    else if (DividesIndex(tv, out bool innermost))
                    {
                        DividesIndices = true;
                        DividesInnermostIndex |= innermost;
                    }
                }
                if (contraction) HasContraction = true;
                if (_builder.Mark().Temps > 0 || HasContraction) IsViewOnly = false;
                _nodes.Add(node);
                return null;
            }

            /// <summary>Were <paramref name="node"/>'s used results this kernel's outputs: the product of the extents of its
            /// parallel axis classes, the iterations of its largest reduction (a contraction's multiply-adds; see
            /// <see cref="FusionOptions.MinParallelExtent"/>), and the widest row (reduced elements) of its other
            /// reductions (see <see cref="FusionOptions.MaxFusedReductionWidth"/>), and whether an axis class of more
            /// than one element is not one of the contraction's (see <see cref="FusionOptions.ReindexingViews"/>).</summary>
            private (long Extent, long Work, long Width, bool Foreign) Parallelism(Node node, IReadOnlyList<TileValue?> results)
            {
                var mark = _builder.Mark();
                for (int i = 0; i < node.Outputs.Length; i++)
                    if (node.Outputs[i] is { } o && results[i] is { } tv && (owner._uses.IsGraphOutput(o) || owner._uses.Readers(o).Any()))
                        _builder.AddOutput(o.Name, tv);
                var kernel = _builder.Build();
                _builder.Rollback(mark);
                var classes = AxisClasses.Of(kernel);
                long extent = classes.ParallelCandidates.Aggregate(1L, (p, c) => Times(p, classes.Extent(c)));
                var reductions = kernel.Computations.Where(c => c.Reduce is not null)
                    .Select(c => (Computation: c, Work: c.Indices.Concat(c.Reduce!.Axes).Aggregate(1L, (p, a) => Times(p, kernel.Axis(a).Extent)),
                        Width: c.Reduce!.Axes.Aggregate(1L, (p, a) => Times(p, kernel.Axis(a).Extent))))
                    .OrderByDescending(r => r.Work)
                    .ToList();
                if (reductions.Count == 0) return (extent, 0, 0, false);
                // The largest reduction is the contraction; the others are rows over its output.
                long width = reductions.Skip(1).Select(r => r.Width).DefaultIfEmpty(0).Max();
                // Axes linked through temporaries as the Tile pipeline will name them (fusion declares fresh axes per
                // computation); the contraction is still the computation with the most iterations.
                var unified = new Passes.UnifyAxes().Run(kernel);
                var linked = AxisClasses.Of(unified);
                var contraction = unified.Computations.Where(c => c.Reduce is not null)
                    .MaxBy(c => c.Indices.Concat(c.Reduce!.Axes).Aggregate(1L, (p, a) => Times(p, unified.Axis(a).Extent)))!;
                var own = contraction.Indices.Concat(contraction.Reduce!.Axes).Select(linked.ClassOf).ToHashSet(StringComparer.Ordinal);
                bool foreign = linked.All.Any(c => !own.Contains(c) && linked.Extent(c) > 1);
                return (extent, reductions[0].Work, width, foreign);

                // Saturates (only comparisons with small thresholds follow); an empty axis counts as 1.
                static long Times(long p, long e) => p > 1L << 40 ? p : p * Math.Clamp(e, 1, 1L << 20);
            }

            /// <summary>Whether the contraction <paramref name="node"/>, lowered into this view-only kernel, has rows (M) and
            /// reads its column operand (Y, the [K, N] one) through one of the kernel's views with K in the innermost
            /// index (K·Vᵀ's heads after a Reshape+Transpose): every block of it would then be gathered across memory,
            /// once per program, where a copy kernel stores the view once in [.., K, N] order.</summary>
            private bool ReadsViewAcrossK(Node node, IReadOnlyList<TileValue?> results, int inputCount)
            {
                var mark = _builder.Mark();
                for (int i = 0; i < node.Outputs.Length; i++)
                    if (node.Outputs[i] is { } o && results[i] is { } tv) _builder.AddOutput(o.Name, tv);
                var kernel = _builder.Build();
                _builder.Rollback(mark);
                var c = kernel.Computations.Where(x => x.Reduce is not null)
                    .MaxBy(x => x.Indices.Concat(x.Reduce!.Axes).Aggregate(1.0, (p, a) => p * kernel.Axis(a).Extent));
                if (c is null || DotShape.Roles(c, a => kernel.Axis(a).Extent) is not { M: not null } roles) return false;
                return DotShape.LoadOf(roles.Y) is { Indices.Length: > 0 } y
                    && _inputs.Take(inputCount).Any(v => v.Name == y.Buffer)
                    && ExprAnalysis.AxesOf(y.Indices[^1]).Contains(roles.K) && !ExprAnalysis.AxesOf(y.Indices[^1]).Contains(roles.N);
            }

            /// <summary>The elements a split before <paramref name="node"/> would store between the kernels: the values of
            /// this kernel that it reads.</summary>
            private long SplitElements(Node node) => node.Inputs.OfType<Value>().Where(Produces).Distinct()
                .Sum(v => ((TensorType)v.Type!).Shape!.Dims.Aggregate(1L, (p, d) => p * d.Value!.Value));

            private void Undo(KernelBuilderMark mark, int inputCount)
            {
                _builder.Rollback(mark);
                for (int i = _inputs.Count - 1; i >= inputCount; i--)
                {
                    _inputValues.Remove(_inputs[i]);
                    _inputs.RemoveAt(i);
                }
            }

            private static Value? Missing(Node node, IReadOnlyList<TileValue?> results)
            {
                for (int i = 0; i < node.Outputs.Length; i++)
                    if (node.Outputs[i] is { } o && (i >= results.Count || results[i] is null)) return o;
                return null;
            }

            /// <summary>A lowering that disagrees with the graph's types is a bug in the lowering, not a reason to fall back.</summary>
            private static void CheckAgainstGraph(Node node, Value output, TileValue tv)
            {
                var tt = (TensorType)output.Type!;
                var dims = tt.Shape!.Dims.Select(d => d.Value!.Value);
                if (tv.Type != tt.ElementType || !tv.Shape.SequenceEqual(dims))
                    throw new StrataException(ErrorCode.InvalidIr,
                        $"the Tile lowering of {node.OpKey} gives {tv.Type.ShortName()}[{string.Join(",", tv.Shape)}] for %{output.Name}, but the graph says {tt}",
                        "fix the lowering so it produces the op's output type", node.Describe());
            }

            /// <summary>The value of <paramref name="v"/> inside this kernel: produced here, an inlined one-element
            /// constant, or a kernel input (declared on first use).</summary>
            private TileValue ValueOf(Value v)
            {
                if (_values.TryGetValue(v, out var own)) return own;
                if (_inputValues.TryGetValue(v, out var known)) return known;
                var tt = (TensorType)v.Type!;
                var shape = tt.Shape!.Dims.Select(d => d.Value!.Value).ToImmutableArray();
                TileValue tv;
                if (Options.InlineScalarConstants && v.Constant is { Length: 1 } c && ScalarSemantics.IsSupported(c.DataType))
                {
                    var literal = new Constant(ScalarSemantics.Read(c, 0), c.DataType);
                    tv = new TileValue(c.DataType, shape, _ => literal);
                }
                else
                {
                    var buffer = _builder.AddInput(v.Name, tt.ElementType, shape);
                    _inputs.Add(v);
                    tv = TileValue.FromBuffer(buffer);
                }
                _inputValues[v] = tv;
                return tv;
            }

            private static bool DividesIndex(TileValue tv, out bool innermost)
            {
                innermost = false;
                if (tv.At(Enumerable.Range(0, tv.Rank).Select(i => (Expr)new IndexVar("_fusion" + i)).ToArray()) is not Load load) return false;
                var divisions = load.Indices.SelectMany(Passes.ExprWalk.PreOrder).Where(e => e is Binary { Op: BinaryOp.FloorDiv or BinaryOp.Mod }).ToArray();
                string last = "_fusion" + (tv.Rank - 1);
                innermost = divisions.Any(d => Passes.ExprWalk.PreOrder(d).Any(e => e is IndexVar v && v.Name == last));
                return divisions.Length > 0;
            }

            private static bool IsView(TileValue tv) =>
                tv.At(Enumerable.Range(0, tv.Rank).Select(i => (Expr)new IndexVar("_fusion" + i)).ToArray()) is Load or Constant;

            /// <summary>True when recomputing the value at each reader would cost more than storing it once.</summary>
            private bool IsCostly(TileValue tv)
            {
                var placeholders = Enumerable.Range(0, tv.Rank).Select(i => (Expr)new IndexVar("_fusion" + i)).ToArray();
                var e = tv.At(placeholders);
                if (e is Load or Constant or IndexVar) return false;
                int ops = 0;
                bool costly = false;
                Count(e);
                return costly || ops > Options.InlineLimit;

                void Count(Expr x)
                {
                    if (costly || ops > Options.InlineLimit) return;
                    switch (x)
                    {
                        case Unary u:
                            ops++;
                            if (Options.CostlyUnary.Contains(u.Op)) costly = true;
                            Count(u.X);
                            break;
                        case Binary b:
                            ops++;
                            if (Options.CostlyBinary.Contains(b.Op)) costly = true;
                            Count(b.A);
                            Count(b.B);
                            break;
                        case Select s:
                            ops++;
                            Count(s.Condition);
                            Count(s.IfTrue);
                            Count(s.IfFalse);
                            break;
                        case Cast c:
                            ops++;
                            Count(c.X);
                            break;
                    }
                }
            }

            /// <summary>Declares the outputs (values read outside the kernel) and builds the step; null when nothing escapes.</summary>
            public KernelStep? Finish()
            {
                var nodes = new HashSet<Node>(_nodes, ReferenceEqualityComparer.Instance);
                var outputs = new List<Value>();
                foreach (var v in _produced)
                {
                    if (!owner._uses.IsGraphOutput(v) && owner._uses.Readers(v).All(nodes.Contains)) continue;
                    _builder.AddOutput(v.Name, _values[v]);
                    outputs.Add(v);
                }
                if (outputs.Count == 0) return null;
                return new KernelStep(_builder.Build(), [.. _inputs], [.. outputs], [.. _nodes]);
            }
        }

        private FusionPass Pass => pass;
        private Graph.Graph Source => graph;
    }
}
