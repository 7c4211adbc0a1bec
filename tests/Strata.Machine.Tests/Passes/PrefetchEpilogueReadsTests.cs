using System.Collections.Immutable;
using System.Text;
using CsCheck;
using Strata.Core;
using Strata.Machine.Passes;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Passes;

public class PrefetchEpilogueReadsTests
{
    /// <summary>A micro-kernel <c>o = x·w + r</c> (rows × 8-lane vectors per tile, the residual <c>r</c> read after the
    /// reduction loop). With <paramref name="probeLoads"/> each residual load also stores 1 into <c>%probe</c> at its index,
    /// so the interpreter shows which elements the epilogue reads. <paramref name="guarded"/> puts the epilogue in an
    /// <c>if</c> on a condition set before the loop (a K-split dot's last block), true on some programs only. The residual
    /// is <see cref="ResidualLength"/> long (larger than the target's L2, as the pass requires) unless
    /// <paramref name="cached"/>: then just the m·n elements read.</summary>
    /// <remarks>
    /// With <paramref name="residual"/> false the epilogue reads nothing (<c>o = x·w</c>); with <paramref name="bigOutput"/>
    /// the output is <see cref="ResidualLength"/> long (larger than the L2) and, with <paramref name="probeStores"/>,
    /// each output store also stores 1 into <c>%probe</c> at its index.</remarks>
    private static string Kernel(int rows, int m, int k, int n, bool probeLoads, bool guarded = false, bool cached = false,
        bool residual = true, bool bigOutput = false, bool probeStores = false)
    {
        var s = new StringBuilder();
        s.Append($"machine.kernel @mk target(x86-64-avx2) (%x: ptr<f32>[{m},{k}], %w: ptr<f32>[{k},{n}], %r: ptr<f32>[{(cached ? m * n : ResidualLength(m, n))}], %o: ptr<f32>[{(bigOutput ? ResidualLength(m, n) : m * n)}] output, %probe: ptr<f32>[{m * n}] output)\n");
        s.Append($"    programs({m / rows}) {{\n");
        s.Append($"  %c0 = const 0 : i64\n  %cK = const {k} : i64\n  %cN = const {n} : i64\n  %cR = const {rows} : i64\n  %one = const 1.0 : f32\n");
        for (int r = 0; r < rows; r++) s.Append($"  %r{r} = const {r} : i64\n");
        s.Append("  %p = program_id 0 : i64\n  %row0 = mul %p, %cR : i64\n  %last = lt %p, %cR : bool\n");
        s.Append("  loop %j = %c0 to %cN step 8 {\n");
        for (int r = 0; r < rows; r++) s.Append($"    %acc{r} = const 0.0 : v8f32\n");
        s.Append("    loop %q = %c0 to %cK step 1 {\n      %wr = mul %q, %cN : i64\n      %wi = add %wr, %j : i64\n      %b = load %w[%wi] : v8f32\n");
        for (int r = 0; r < rows; r++)
            s.Append($"      %xrow{r} = add %row0, %r{r} : i64\n      %xr{r} = mul %xrow{r}, %cK : i64\n      %xi{r} = add %xr{r}, %q : i64\n"
                + $"      %a{r} = load %x[%xi{r}] : f32\n      %ab{r} = broadcast %a{r} : v8f32\n      %acc{r} = fma %ab{r}, %b, %acc{r} : v8f32\n");
        s.Append("    }\n");
        if (guarded) s.Append("    if %last {\n");
        for (int r = 0; r < rows; r++)
        {
            s.Append($"    %orow{r} = add %row0, %r{r} : i64\n    %or{r} = mul %orow{r}, %cN : i64\n    %oi{r} = add %or{r}, %j : i64\n");
            if (residual) s.Append($"    %res{r} = load %r[%oi{r}] : v8f32\n");
            if (probeLoads && residual) s.Append($"    store %probe[%oi{r}], %one\n");
            s.Append(residual ? $"    %sum{r} = add %acc{r}, %res{r} : v8f32\n" : $"    %sum{r} = mov %acc{r} : v8f32\n");
            s.Append($"    store %o[%oi{r}], %sum{r}\n");
            if (probeStores) s.Append($"    store %probe[%oi{r}], %one\n");
        }
        if (guarded) s.Append("    }\n");
        s.Append("  }\n}\n");
        return s.ToString();
    }

    /// <summary>The residual's length: its m·n elements and an x86-64-avx2 L2's worth more.</summary>
    /// <summary>The kernel's A [m, k], B [k, n] and residual, filled from <paramref name="seed"/>, new arrays per call.</summary>
    private static Tensor[] Inputs(int m, int k, int n, int seed) =>
    [
        Tensor<float>.FromArray([.. Enumerable.Range(0, m * k).Select(i => (float)((i * 7 + seed) % 13 - 6))], m, k),
        Tensor<float>.FromArray([.. Enumerable.Range(0, k * n).Select(i => (float)((i * 5 + seed) % 11 - 5))], k, n),
        Tensor<float>.FromArray([.. Enumerable.Range(0, ResidualLength(m, n)).Select(i => (float)((i * 3 + seed) % 7 - 3))], ResidualLength(m, n)),
    ];

    private static int ResidualLength(int m, int n) => m * n + (int)(Target.X86Avx2.L2Bytes / sizeof(float));

    /// <summary>Each prefetch (all must be of <paramref name="memory"/>) turned into a store of 1 into <c>%probe</c> at its index.</summary>
    private static ImmutableArray<MStmt> PrefetchesAsProbes(ImmutableArray<MStmt> stmts, Reg one, string memory = "r") =>
    [
        .. stmts.Select(s => s switch
        {
            PrefetchStmt p => p.Memory == memory ? new StoreStmt("probe", p.Index, one) : throw new InvalidOperationException($"prefetch of %{p.Memory}"),
            LoopStmt l => l with { Body = PrefetchesAsProbes(l.Body, one, memory) },
            IfStmt i => i with { Then = PrefetchesAsProbes(i.Then, one, memory), Else = PrefetchesAsProbes(i.Else, one, memory) },
            _ => s,
        }),
    ];

    /// <summary>For random tile rows, widths and reduction lengths, the prefetches (run as probe stores) touch exactly the
    /// first elements of the vectors the epilogue loads (run as probe stores in the original), and the outputs stay
    /// bit for bit the same. A wrong index copy (a dropped term, a register read after the loop reassigns it) fails.</summary>
    [Fact]
    public void PrefetchesHitExactlyTheEpilogueLoads_OutputsUnchanged()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 3], Gen.Int[1, 12], Gen.Int[1, 4], Gen.Int, Gen.Bool).Sample(g =>
        {
            var (rows, programs, k, vectors, seed, guarded) = g;
            int m = rows * programs, n = 8 * vectors;
            var plain = MachineParser.Parse(Kernel(rows, m, k, n, probeLoads: false, guarded));
            var probed = MachineParser.Parse(Kernel(rows, m, k, n, probeLoads: true, guarded));
            var prefetched = new PrefetchEpilogueReads().Run(plain);
            Assert.DoesNotContain(MachineVerifier.Diagnose(prefetched), x => x.IsError);
            var one = new Reg("one", new MType(DataType.Float32, 1));
            var asProbes = prefetched with { Body = PrefetchesAsProbes(prefetched.Body, one) };

            var expected = MachineInterpreter.Call(probed, Inputs(m, k, n, seed));
            var actual = MachineInterpreter.Call(asProbes, Inputs(m, k, n, seed));
            Assert.Equal(expected[0].As<float>().ToArray(), actual[0].As<float>().ToArray());
            // The original touches lanes' first elements only via the probe stores; so does the prefetched kernel.
            Assert.Equal(expected[1].As<float>().ToArray(), actual[1].As<float>().ToArray());
            Assert.Equal(rows, CountPrefetches(prefetched.Body)); // one per row of the tile, per j step
            if (guarded) Assert.Single(prefetched.Body.OfType<LoopStmt>().Single().Body.OfType<IfStmt>(), i => i.Then.Any(x => x is PrefetchStmt));
        }, iter: 80);
    }

    [Fact]
    public void AConditionTheLoopAssignsKeepsTheGuardedEpilogueUnprefetched()
    {
        var k = MachineParser.Parse(Kernel(2, 4, 3, 16, probeLoads: false, guarded: true)
            .Replace("      %b = load %w[%wi] : v8f32\n", "      %b = load %w[%wi] : v8f32\n      %last = lt %q, %cK : bool\n"));
        Assert.Same(k, new PrefetchEpilogueReads().Run(k));
    }

    [Fact]
    public void AnIndexThatTheLoopAssignsOrThatDividesIsNotPrefetched()
    {
        var text = Kernel(2, 4, 3, 16, probeLoads: false);
        // The row base reassigned inside the reduction loop: its value after the loop is not known before it.
        var reassigned = MachineParser.Parse(text.Replace("      %b = load %w[%wi] : v8f32\n", "      %b = load %w[%wi] : v8f32\n      %row0 = add %row0, %c0 : i64\n"));
        Assert.Same(reassigned, new PrefetchEpilogueReads().Run(reassigned));
        // A division in the index chain may trap where the original would not run: not copied.
        var divides = MachineParser.Parse(text.Replace("%or0 = mul %orow0, %cN", "%or0 = floordiv %orow0, %cN").Replace("%or1 = mul %orow1, %cN", "%or1 = floordiv %orow1, %cN"));
        Assert.Same(divides, new PrefetchEpilogueReads().Run(divides));
    }

    [Fact]
    public void ALoopWithoutFmaOrAMemoryTheLoopReadsGetsNoPrefetch()
    {
        var noFma = MachineParser.Parse(Kernel(2, 4, 3, 16, probeLoads: false).Replace("%acc0 = fma %ab0, %b, %acc0", "%acc0 = add %ab0, %b").Replace("%acc1 = fma %ab1, %b, %acc1", "%acc1 = add %ab1, %b"));
        Assert.Same(noFma, new PrefetchEpilogueReads().Run(noFma));
        var readsR = MachineParser.Parse(Kernel(2, 4, 3, 16, probeLoads: false).Replace("%b = load %w[%wi] : v8f32", "%b = load %r[%wi] : v8f32"));
        Assert.Same(readsR, new PrefetchEpilogueReads().Run(readsR));
    }

    /// <summary>A residual that fits the target's L2 is likely still cached from its producer: prefetching it measured
    /// slower (shufflenet), so it is left alone.</summary>
    [Fact]
    public void AResidualThatFitsTheL2IsNotPrefetched()
    {
        var cached = MachineParser.Parse(Kernel(2, 4, 3, 16, probeLoads: false, cached: true));
        Assert.Same(cached, new PrefetchEpilogueReads().Run(cached));
        Assert.Equal(2, CountPrefetches(new PrefetchEpilogueReads().Run(MachineParser.Parse(Kernel(2, 4, 3, 16, probeLoads: false))).Body));
    }

    /// <summary>An epilogue that reads nothing and stores to an output larger than the L2 (a stem conv's 3 MB plane):
    /// the prefetches (run as probe stores) touch exactly the first elements of the vectors it stores, outputs unchanged;
    /// an output that fits the L2 gets none. A wrong index copy fails.</summary>
    [Fact]
    public void PrefetchesHitExactlyTheEpilogueStoresOfALargeOutput()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 3], Gen.Int[1, 12], Gen.Int[1, 4], Gen.Int, Gen.Bool).Sample(g =>
        {
            var (rows, programs, k, vectors, seed, guarded) = g;
            int m = rows * programs, n = 8 * vectors;
            var plain = MachineParser.Parse(Kernel(rows, m, k, n, probeLoads: false, guarded, residual: false, bigOutput: true));
            var probed = MachineParser.Parse(Kernel(rows, m, k, n, probeLoads: false, guarded, residual: false, bigOutput: true, probeStores: true));
            var prefetched = new PrefetchEpilogueReads().Run(plain);
            Assert.DoesNotContain(MachineVerifier.Diagnose(prefetched), x => x.IsError);
            var one = new Reg("one", new MType(DataType.Float32, 1));
            var asProbes = prefetched with { Body = PrefetchesAsProbes(prefetched.Body, one, "o") };

            var expected = MachineInterpreter.Call(probed, Inputs(m, k, n, seed));
            var actual = MachineInterpreter.Call(asProbes, Inputs(m, k, n, seed));
            Assert.Equal(expected[0].As<float>().ToArray(), actual[0].As<float>().ToArray());
            Assert.Equal(expected[1].As<float>().ToArray(), actual[1].As<float>().ToArray());
            Assert.Equal(rows, CountPrefetches(prefetched.Body));
            var small = MachineParser.Parse(Kernel(rows, m, k, n, probeLoads: false, guarded, residual: false));
            Assert.Same(small, new PrefetchEpilogueReads().Run(small));
        }, iter: 80);
    }

    /// <summary>Where the epilogue also reads a large residual, only its loads are prefetched, not its stores (with
    /// both, resnet50's 56×56 conv + add kernels measured slower).</summary>
    [Fact]
    public void AnEpilogueThatReadsALargeResidualGetsNoStorePrefetches()
    {
        var k = new PrefetchEpilogueReads().Run(MachineParser.Parse(Kernel(2, 4, 3, 16, probeLoads: false, bigOutput: true)));
        Assert.Equal(2, CountPrefetches(k.Body));
        Assert.Equal(["r", "r"], Prefetched(k.Body));
    }

    private static IEnumerable<string> Prefetched(ImmutableArray<MStmt> stmts) => stmts.SelectMany(s => s switch
    {
        PrefetchStmt p => [p.Memory],
        LoopStmt l => Prefetched(l.Body),
        IfStmt i => Prefetched(i.Then).Concat(Prefetched(i.Else)),
        _ => [],
    });

    private static int CountPrefetches(ImmutableArray<MStmt> stmts) => stmts.Sum(s => s switch
    {
        PrefetchStmt => 1,
        LoopStmt l => CountPrefetches(l.Body),
        IfStmt i => CountPrefetches(i.Then) + CountPrefetches(i.Else),
        _ => 0,
    });
}
