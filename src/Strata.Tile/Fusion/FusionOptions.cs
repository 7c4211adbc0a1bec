using System.Collections.Immutable;

namespace Strata.Tile.Fusion;

/// <summary>The choices the fusion pass makes, as data (so a test or a tuner can change them).</summary>
public sealed record FusionOptions
{
    public static FusionOptions Default { get; } = new();

    /// <summary>Op keys of contractions: each starts a new kernel and absorbs its epilogue; a kernel holds at most one.</summary>
    public ImmutableHashSet<string> Contractions { get; init; } = ImmutableHashSet.Create(StringComparer.Ordinal,
        "MatMul", "Gemm", "Conv", "ConvTranspose", "Einsum", "Attention", "MatMulInteger", "ConvInteger",
        "QLinearMatMul", "QLinearConv", "com.microsoft::Attention", "com.microsoft::MultiHeadAttention");

    /// <summary>A value that is read by two or more node inputs is stored in a temporary, rather than inlined into
    /// each reader, when its expression has more than this many operations (index arithmetic not counted)…</summary>
    public int InlineLimit { get; init; } = 8;

    /// <summary>…or when it uses one of these costly scalar ops. Cheap values (<c>x - mean</c>, a bias add, a
    /// transpose) stay inlined and are recomputed where used.</summary>
    public ImmutableHashSet<UnaryOp> CostlyUnary { get; init; } = [
        UnaryOp.Exp, UnaryOp.ExpNonPos, UnaryOp.Log, UnaryOp.Tanh, UnaryOp.Sigmoid, UnaryOp.Erf, UnaryOp.Gelu, UnaryOp.GeluTanh,
        UnaryOp.Sin, UnaryOp.Cos, UnaryOp.Tan, UnaryOp.Asin, UnaryOp.Acos, UnaryOp.Atan, UnaryOp.Sinh, UnaryOp.Cosh,
        UnaryOp.Asinh, UnaryOp.Acosh, UnaryOp.Atanh, UnaryOp.Softplus];

    /// <summary>Costly binary ops (see <see cref="CostlyUnary"/>).</summary>
    public ImmutableHashSet<BinaryOp> CostlyBinary { get; init; } = [BinaryOp.Pow, BinaryOp.FMod];

    /// <summary>A node does not join a kernel that holds a contraction when that would shrink the kernel's parallel
    /// extent (the product of the extents of the axis classes that may be spread over program instances) from at least
    /// this much to below it: the contraction's grid would collapse to a few programs (a Concat or pool that reads the
    /// contraction's output at shifted indices, a Softmax over the output channels). The node then starts a kernel of
    /// its own, which costs one more pass over the contraction's output but keeps every core busy on the contraction.
    /// Only for contractions of at least <see cref="MinParallelWork"/> multiply-adds. Constants, not the host's core
    /// count, so compilation stays deterministic; 0 disables the check.</summary>
    public long MinParallelExtent { get; init; } = 16;

    /// <summary>Contractions below this many multiply-adds (a few microseconds at peak) keep their epilogue whatever it
    /// does to the parallel extent: a second kernel would cost more than the cores it frees save.</summary>
    public long MinParallelWork { get; init; } = 1 << 18;

    /// <summary>…and only when the tensors a split stores between the two kernels hold at most this many elements (4
    /// MiB of f32, a share of the last-level cache: written and read back once, and live in the arena): a wide early
    /// feature map stays fused, trading the grid for memory. Pools are not bound by it (see
    /// <see cref="PoolsAfterContractions"/>).</summary>
    public long MaxSplitElements { get; init; } = 1 << 20;

    /// <summary>A reduction over a large contraction's output (a LayerNorm or Softmax row after a MatMul; same two
    /// bounds) joins the contraction's kernel only when each of its rows has at most this many elements, one column
    /// block of the cache-blocked GEMM default: a wider row would make the contraction's column block the whole row
    /// and its grid the rows alone, so every program reads all of B (measured on a BERT layer: the FFN output MatMul
    /// with its LayerNorm fused, grid(16) over 8-row blocks, took 3× its unfused time). The reduction then starts a
    /// kernel of its own, which reads the contraction's output once more. 0 disables the check.</summary>
    public long MaxFusedReductionWidth { get; init; } = 256;

    /// <summary>Layout ops that do not join a large contraction's kernel (same two bounds) when they re-index its output
    /// (a head split or merge: Reshape and Transpose writing [b, m, n] as [b, n / d, m, n % d]; a flatten): their axes
    /// are not the contraction's rows and columns, so the kernel could not be tiled as a GEMM over them and would fall
    /// back to row blocks that each read all of B. The view then starts a kernel of its own, a copy, or becomes the
    /// index arithmetic of the next contraction's loads (see <see cref="FusionPass"/>). A plain permutation of the
    /// output axes (no new axes) still joins. A Concat that appends the contraction's output to other values (densenet's
    /// growing feature maps, squeezenet's and inception's branches) is a copy of those values, done per program row
    /// inside the contraction's kernel (every program touches a short run of each of the concat's channels); in a kernel of its own it is
    /// a copy over whole planes with a grid of its own. Measured, thread CPU at 1 thread summed over densenet121's
    /// kernels, two alternating pairs on a loaded host: 62.6 / 55.2 ms fused against 55.8 / 51.9 ms apart (with
    /// <see cref="Passes.UnifyAxes"/> linking the concat's two outputs, so its kernel has a grid); squeezenet and
    /// inception v1/v2 within noise. Empty disables.</summary>
    public ImmutableHashSet<string> ReindexingViews { get; init; } = ImmutableHashSet.Create(StringComparer.Ordinal,
        "Reshape", "Transpose", "Flatten", "Concat");

    /// <summary>Pools that start their own kernel after a large contraction (of at least <see cref="MinParallelWork"/>
    /// multiply-adds, whatever the size of the map between: <see cref="MaxSplitElements"/> does not apply): they read
    /// the contraction's output through windows (or whole planes), so fused the contraction is computed as a temp per
    /// program rather than tiled as a dot over its rows and columns — measured with convs as dots, squeezenet's
    /// Conv+Relu+MaxPool took 38 ms fused against 1.7 + 3.1 ms split; zfnet512's Conv+Relu+LRN+MaxPool over a
    /// 96×110×110 map ran as one program, 37 ms, and vgg19's Conv+Relu+MaxPool over 64×224×224 as four.</summary>
    public ImmutableHashSet<string> PoolsAfterContractions { get; init; } = ImmutableHashSet.Create(StringComparer.Ordinal,
        "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");

    /// <summary>Other ops that, like <see cref="PoolsAfterContractions"/>, start their own kernel after a large
    /// contraction: a Pad reads the contraction's output at shifted indices, so fused it turns the contraction into a
    /// temp computed per program (resnet50's 1×1 Conv+Relu followed by the Pad that
    /// <see cref="Passes.PrePadConvInput"/> adds for the next 3×3 conv: 0.18 ms alone, 0.66 ms with the Pad fused,
    /// thread CPU at 1 thread). Empty disables.</summary>
    public ImmutableHashSet<string> SplitAfterContractions { get; init; } = ImmutableHashSet.Create(StringComparer.Ordinal, "Pad");

    /// <summary>A pool of <see cref="PoolsAfterContractions"/> does not join a kernel that holds a Concat of more than
    /// this many inputs: it reads the kernel's values through windows, so each tap evaluates the concat's select again,
    /// one masked load per concat input. Measured at 1 thread: inception v1's 4-way Concat + MaxPool 3×3/2 over
    /// 480×27×27 took 10 ms fused, the two apart well under 1 ms; squeezenet's 2-way Concat + MaxPool kernels were
    /// faster fused (0.31 ms for both against about 0.8 ms apart). The pool then starts a kernel of its own that reads
    /// the stored concat once. A negative value keeps every pool out.</summary>
    public int MaxConcatInputsUnderPool { get; init; } = 2;

    /// <summary>A Concat whose inputs are laid end to end in its output (<see cref="InPlaceConcat.IsCandidate"/>) is a
    /// kernel of its own, joining no other node: the runtime places its inputs inside its buffer, so their producers
    /// write the concat and the kernel never runs; its readers (densenet's pre-activation BatchNorm+ReLU) read the concat
    /// once instead of copying it again. densenet121 at 1 thread, thread CPU summed over kernels: 55 → 49 ms (see the
    /// runtime README). False fuses Concat like any view.</summary>
    public bool InPlaceConcats { get; init; } = true;

    /// <summary>One-element constants become literals in the expressions that use them instead of kernel inputs.</summary>
    public bool InlineScalarConstants { get; init; } = true;
}
