using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Verification;

public class BoundsAnalysisTests
{
    /// <summary>x and o have 20 elements, the grid 3 instances.</summary>
    private const string Header = "machine.kernel @k target(x86-64-avx2) (%x: ptr<f32>[20], %idx: ptr<i64>[4], %o: ptr<f32>[20] output)\n    programs(3) {\n"
        + "  %p = program_id 0 : i64\n  %c0 = const 0 : i64\n  %c1 = const 1 : i64\n  %c8 = const 8 : i64\n  %c20 = const 20 : i64\n";

    private static (MachineKernel Kernel, BoundsReport Report) Analyze(string body)
    {
        var k = MachineParser.Parse(Header + body + "}\n");
        return (k, BoundsAnalysis.Analyze(k));
    }

    /// <summary>The accesses (loads and stores) of the kernel in text order, and whether each is proven.</summary>
    private static bool[] Proven(string body)
    {
        var (k, report) = Analyze(body);
        return [.. Accesses(k.Body).Select(report.IsProven)];
    }

    private static IEnumerable<MStmt> Accesses(ImmutableArray<MStmt> body) => body.SelectMany(s => s switch
    {
        LoadStmt or StoreStmt => [s],
        LoopStmt l => Accesses(l.Body),
        IfStmt i => Accesses(i.Then).Concat(Accesses(i.Else)),
        _ => [],
    });

    public static TheoryData<string, bool> Cases() => new()
    {
        // Constants and program ids: p in [0, 2], 6p+5 in [5, 17].
        { "  %c6 = const 6 : i64\n  %c5 = const 5 : i64\n  %a = mul %p, %c6 : i64\n  %b = add %a, %c5 : i64\n  %v = load %x[%b] : f32\n", true },
        { "  %c7 = const 7 : i64\n  %a = mul %p, %c7 : i64\n  %c6 = const 6 : i64\n  %b = add %a, %c6 : i64\n  %v = load %x[%b] : f32\n", false },
        // Loops: i in [0, 19]; vector steps of 8 from 0 below 13 touch 0..15.
        { "  loop %i = %c0 to %c20 step 1 {\n    %v = load %x[%i] : f32\n  }\n", true },
        { "  %c21 = const 21 : i64\n  loop %i = %c0 to %c21 step 1 {\n    %v = load %x[%i] : f32\n  }\n", false },
        { "  %c13 = const 13 : i64\n  loop %i = %c0 to %c13 step 8 {\n    %v = load %x[%i] : v8f32\n  }\n", true },
        { "  %c14 = const 14 : i64\n  loop %i = %c0 to %c14 step 1 {\n    %v = load %x[%i] : v8f32\n  }\n", false },
        // Lane stride 2: 8 lanes at index 5 read 5, 7, …, 19 (in bounds of 20); at 6 the last lane reads 20. A count of
        // at most 7 lanes at index ≤ 6 ends at 18; a from does not widen it.
        { "  %c5 = const 5 : i64\n  %v = load %x[%c5] stride 2 : v8f32\n", true },
        { "  %c6 = const 6 : i64\n  %v = load %x[%c6] stride 2 : v8f32\n", false },
        { "  %c6 = const 6 : i64\n  %c7 = const 7 : i64\n  %n = load %idx[%c0] : i64\n  %a = max %n, %c0 : i64\n  %b = min %a, %c7 : i64\n  %f = load %idx[%c1] : i64\n  %v = load %x[%c6] stride 2 from %f count %b : v8f32\n", true },
        { "  %c6 = const 6 : i64\n  %n = load %idx[%c0] : i64\n  %a = max %n, %c0 : i64\n  %b = min %a, %c8 : i64\n  %v = load %x[%c6] stride 2 count %b : v8f32\n", false },
        // Clamping with min/max, division and remainders by constants.
        { "  %n = load %idx[%c0] : i64\n  %a = max %n, %c0 : i64\n  %b = min %a, %c20 : i64\n  %v = load %x[%b] : f32\n", false },
        { "  %n = load %idx[%c0] : i64\n  %c19 = const 19 : i64\n  %a = max %n, %c0 : i64\n  %b = min %a, %c19 : i64\n  %v = load %x[%b] : f32\n", true },
        { "  %n = load %idx[%c0] : i64\n  %b = mod %n, %c20 : i64\n  %v = load %x[%b] : f32\n", true },
        { "  %n = load %idx[%c0] : i64\n  %b = fmod %n, %c20 : i64\n  %v = load %x[%b] : f32\n", false },
        { "  loop %i = %c0 to %c20 step 1 {\n    %c2 = const 2 : i64\n    %b = div %i, %c2 : i64\n    %e = floordiv %i, %c2 : i64\n    %v = load %x[%b] : f32\n    %w = load %x[%e] : f32\n  }\n", true },
        // Data-dependent indices are unknown, even through a cast.
        { "  %n = load %idx[%c0] : i64\n  %v = load %x[%n] : f32\n", false },
        // The Block lowering's mask: and(ge i 0, lt i n) bounds i; a mask on something else does not.
        { "  %n = load %idx[%c0] : i64\n  %ge = ge %n, %c0 : bool\n  %lt = lt %n, %c20 : bool\n  %ok = and %ge, %lt : bool\n  %v = load %x[%n] mask %ok other 0.0 : f32\n", true },
        { "  %n = load %idx[%c0] : i64\n  %lt = lt %n, %c20 : bool\n  %v = load %x[%n] mask %lt : f32\n", false },
        { "  %n = load %idx[%c0] : i64\n  %ge = ge %n, %c0 : bool\n  %lt = lt %n, %c20 : bool\n  %ok = and %ge, %lt : bool\n  %n = add %n, %c1 : i64\n  %v = load %x[%n] mask %ok : f32\n", false },
        // The mask bounds a part of the index: i = 8p + j with j < 8 ... and 8p + j < 20.
        { "  %base = mul %p, %c8 : i64\n  loop %j = %c0 to %c8 step 1 {\n    %i = add %base, %j : i64\n    %ok = lt %i, %c20 : bool\n    %v = load %x[%i] mask %ok : f32\n    store %o[%i], %v mask %ok\n  }\n", true },
        // Ifs narrow with their condition (and its negation in the else branch).
        { "  %n = load %idx[%c0] : i64\n  %ge = ge %n, %c0 : bool\n  %lt = lt %n, %c20 : bool\n  %ok = and %ge, %lt : bool\n  if %ok {\n    %v = load %x[%n] : f32\n  }\n", true },
        { "  %c19 = const 19 : i64\n  loop %i = %c0 to %c20 step 1 {\n    %big = gt %i, %c19 : bool\n    if %big {\n      %v = load %x[%c20] : f32\n    } else {\n      %w = load %x[%i] : f32\n    }\n  }\n", true },
        // Counted tails: count = min(end - i, 8) keeps i .. i+count-1 below end.
        { "  %c24 = const 24 : i64\n  loop %i = %c0 to %c20 step 8 {\n    %r = sub %c20, %i : i64\n    %n = min %r, %c8 : i64\n    %v = load %x[%i] count %n : v8f32\n    store %o[%i], %v count %n\n  }\n", true },
        { "  %c24 = const 24 : i64\n  loop %i = %c0 to %c20 step 8 {\n    %r = sub %c24, %i : i64\n    %n = min %r, %c8 : i64\n    %v = load %x[%i] count %n : v8f32\n  }\n", false },
        { "  %c9 = const 9 : i64\n  %v = load %x[%c0] count %c9 : v8f32\n", false },
        // Lane ranges (a padded row): index i - 3 for i in 0..19 step 8 starts before %x; from 3 - i keeps lane l
        // at i - 3 + l ≥ 0, the tail count min(max(23 - i, 0), 8) below 20. Without the from, or with a from one
        // short, the first lanes may be at -3.
        { "  %c3 = const 3 : i64\n  %c23 = const 23 : i64\n  loop %i = %c0 to %c20 step 8 {\n    %a = sub %i, %c3 : i64\n    %f = sub %c3, %i : i64\n    %r = sub %c23, %i : i64\n    %r0 = max %r, %c0 : i64\n    %n = min %r0, %c8 : i64\n    %v = load %x[%a] from %f count %n : v8f32\n    store %o[%a], %v from %f count %n\n  }\n", true },
        { "  %c3 = const 3 : i64\n  %c23 = const 23 : i64\n  loop %i = %c0 to %c20 step 8 {\n    %a = sub %i, %c3 : i64\n    %r = sub %c23, %i : i64\n    %r0 = max %r, %c0 : i64\n    %n = min %r0, %c8 : i64\n    %v = load %x[%a] count %n : v8f32\n  }\n", false },
        { "  %c3 = const 3 : i64\n  %c23 = const 23 : i64\n  loop %i = %c0 to %c20 step 8 {\n    %a = sub %i, %c3 : i64\n    %f = sub %c1, %i : i64\n    %r = sub %c23, %i : i64\n    %r0 = max %r, %c0 : i64\n    %n = min %r0, %c8 : i64\n    %v = load %x[%a] from %f count %n : v8f32\n  }\n", false },
        // A later from (a max of the head's and anything) is still proven; a from alone does not shorten the end: a
        // vector at 9 ends at 17, one at 13 overhangs %x.
        { "  %c3 = const 3 : i64\n  %c9 = const 9 : i64\n  %n = load %idx[%c0] : i64\n  %a = sub %c0, %p : i64\n  %f = max %a, %n : i64\n  %v = load %x[%p] from %f : v8f32\n  %w = load %x[%c9] from %c3 : v8f32\n", true },
        { "  %c13 = const 13 : i64\n  %v = load %x[%c13] from %c1 : v8f32\n", false },
        // Loops that never run; loop-carried registers grow to infinity (widening).
        { "  loop %i = %c20 to %c0 step 1 {\n    %v = load %x[%c20] : f32\n  }\n", true },
        { "  %s = mov %c0 : i64\n  loop %i = %c0 to %c8 step 1 {\n    %v = load %x[%s] : f32\n    %s = add %s, %c1 : i64\n  }\n", false },
        { "  %s = mov %c0 : i64\n  loop %i = %c0 to %c8 step 1 {\n    %s = add %s, %c1 : i64\n    %s = min %s, %c8 : i64\n    %v = load %x[%s] : f32\n  }\n", true },
        // A loop whose variable has one value runs at most once: a register it advances for a next iteration (the GEMM
        // tile loop's running remainder of a column block holding one tile, wrapping at 20) keeps its entry value
        // inside, so 12 + r = 12 reads 12..19. Run twice (0 to 9 step 8), the second iteration reads 20..27.
        { "  %c12 = const 12 : i64\n  %r = mov %c0 : i64\n  loop %j = %c0 to %c8 step 8 {\n    %a = add %r, %c12 : i64\n    %v = load %x[%a] : v8f32\n    %r = add %r, %c8 : i64\n    %w = ge %r, %c20 : bool\n    %rw = sub %r, %c20 : i64\n    %r = select %w, %rw, %r : i64\n  }\n", true },
        { "  %c9 = const 9 : i64\n  %c12 = const 12 : i64\n  %r = mov %c0 : i64\n  loop %j = %c0 to %c9 step 8 {\n    %a = add %r, %c12 : i64\n    %v = load %x[%a] : v8f32\n    %r = add %r, %c8 : i64\n    %w = ge %r, %c20 : bool\n    %rw = sub %r, %c20 : i64\n    %r = select %w, %rw, %r : i64\n  }\n", false },
        // After such a loop, a register it sets has its value or, if the loop may run zero times, its entry value (13:
        // 13..20 overhangs %x).
        { "  %c13 = const 13 : i64\n  %r = mov %c13 : i64\n  loop %j = %c0 to %c8 step 8 {\n    %r = mov %c0 : i64\n  }\n  %v = load %x[%r] : v8f32\n", true },
        { "  %c13 = const 13 : i64\n  %r = mov %c13 : i64\n  %n = load %idx[%c0] : i64\n  %n0 = max %n, %c0 : i64\n  %b = min %n0, %c8 : i64\n  loop %j = %c0 to %b step 8 {\n    %r = mov %c0 : i64\n  }\n  %v = load %x[%r] : v8f32\n", false },
        // A constant-false if is dead.
        { "  %no = const false : bool\n  if %no {\n    %v = load %x[%c20] : f32\n  }\n", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accesses_are_proven_or_not(string body, bool proven)
    {
        var result = Proven(body);
        Assert.NotEmpty(result);
        Assert.Equal(proven, result.All(p => p));
    }

    /// <summary>The Machine lowering's (h/lower) masked tail on avx2: the row condition is folded into the count with a
    /// select, the column tail is max(19 - j, 0); proving it needs the count ≥ 1 case analysis.</summary>
    private const string LoweredTail = @"machine.kernel @tail target(x86-64-avx2) (%x: ptr<f32>[5,19], %y: ptr<f32>[19], %out: ptr<f32>[5,19] output)
    programs(2, 2) {
  %c4 = const 4 : i64
  %c16 = const 16 : i64
  %c5 = const 5 : i64
  %c19 = const 19 : i64
  %k = const 0.5 : f32
  %c0 = const 0 : i64
  %c1 = const 1 : i64
  %c8 = const 8 : i64
  %k_1 = const 0.5 : v8f32
  %pm = program_id 0 : i64
  %m0 = mul %pm, %c4 : i64
  %pn = program_id 1 : i64
  %n0 = mul %pn, %c16 : i64
  loop %i0 = %c0 to %c4 step 1 {
    loop %i1 = %c0 to %c16 step 8 {
      %ix = add %m0, %i0 : i64
      %ix_1 = mul %ix, %c19 : i64
      %ix_2 = add %n0, %i1 : i64
      %ix_3 = add %ix_1, %ix_2 : i64
      %mm = lt %ix, %c5 : bool
      %ix_4 = sub %c19, %ix_2 : i64
      %ix_5 = max %ix_4, %c0 : i64
      %ix_6 = min %ix_5, %c8 : i64
      %n = select %mm, %c8, %c0 : i64
      %ix_7 = min %n, %ix_6 : i64
      %xv = load %x[%ix_3] count %ix_7 other 0.0 : v8f32
      %yv = load %y[%ix_2] count %ix_6 other 0.0 : v8f32
      %add = add %xv, %yv : v8f32
      %mul = mul %add, %k_1 : v8f32
      %mm_1 = lt %ix, %c5 : bool
      %n_1 = select %mm_1, %c8, %c0 : i64
      %ix_8 = min %n_1, %ix_6 : i64
      store %out[%ix_3], %mul count %ix_8
    }
  }
}
";

    [Fact]
    public void The_lowerings_counted_masked_tail_is_proven()
    {
        var k = MachineParser.Parse(LoweredTail);
        var report = BoundsAnalysis.Analyze(k);
        Assert.Empty(report.Unproven);
        // Without the row condition (count = the column tail only), rows 5.. of the last instance overhang %x.
        var loose = MachineParser.Parse(LoweredTail.Replace("%ix_7 = min %n, %ix_6 : i64", "%ix_7 = mov %ix_6 : i64"));
        Assert.Single(BoundsAnalysis.Analyze(loose).Unproven);
    }

    [Fact]
    public void Proven_out_of_bounds_only_without_mask_or_if()
    {
        var (_, r1) = Analyze("  %v = load %x[%c20] : f32\n");
        Assert.True(Assert.Single(r1.Unproven).ProvenOutOfBounds);
        var (_, r2) = Analyze("  %t = const true : bool\n  %v = load %x[%c20] mask %t : f32\n");
        Assert.False(Assert.Single(r2.Unproven).ProvenOutOfBounds);
        var (_, r3) = Analyze("  %n = load %idx[%c0] : i64\n  %t = lt %n, %c0 : bool\n  if %t {\n    %v = load %x[%c20] : f32\n  }\n");
        Assert.False(Assert.Single(r3.Unproven).ProvenOutOfBounds);
        var (_, r4) = Analyze("  %m = const -1 : i64\n  %v = load %x[%m] count %c1 : v8f32\n");
        Assert.True(Assert.Single(r4.Unproven).ProvenOutOfBounds);
        // In a loop that may run zero times (an edge split's interior, empty when a window row lies in the padding)
        // the access may never run: unproven, not an error; in one that surely runs, it is an error.
        var (_, r5) = Analyze("  %n = load %idx[%c0] : i64\n  %e = max %n, %c0 : i64\n  %u = min %e, %c1 : i64\n  loop %i = %c0 to %u step 1 {\n    %v = load %x[%c20] : f32\n  }\n");
        Assert.False(Assert.Single(r5.Unproven).ProvenOutOfBounds);
        var (_, r6) = Analyze("  loop %i = %c0 to %c1 step 1 {\n    %v = load %x[%c20] : f32\n  }\n");
        Assert.True(Assert.Single(r6.Unproven).ProvenOutOfBounds);
        Assert.Contains("%x[%c20] with %c20 in [20, 20]", r1.Unproven[0].Reason);
    }

    [Fact]
    public void A_statement_object_at_two_places_is_proven_only_if_proven_at_both()
    {
        var x = new BlockParam("x", DataType.Float32, [20], ParamRole.Input);
        var i = new Reg("i", MType.I64);
        var v = new Reg("v", MType.Scalar(DataType.Float32));
        var load = new LoadStmt(v, "x", i);
        MachineKernel K(long second) => new("k", Target.X86Avx2, [x], [1], [],
            [new ConstStmt(i, Scalar.Int(3)), load, new ConstStmt(i, Scalar.Int(second)), load]);
        Assert.True(BoundsAnalysis.Analyze(K(19)).IsProven(load));
        var report = BoundsAnalysis.Analyze(K(20));
        Assert.False(report.IsProven(load));
        Assert.False(Assert.Single(report.Unproven).ProvenOutOfBounds);
        Assert.False(report.IsProven(new LoadStmt(v, "x", i)));
    }

    /// <summary>Every access of the random kernels is in bounds by construction (clamps, bounding masks, counted
    /// tails inside the instance's slice), in the shapes the analysis is meant to prove.</summary>
    [Fact]
    public void Random_kernels_are_proven_in_bounds()
    {
        for (int seed = 0; seed < 300; seed++)
        {
            var k = RandomMachineKernels.Kernel(new Random(seed));
            var report = BoundsAnalysis.Analyze(k);
            Assert.True(report.Unproven.Count == 0,
                $"seed {seed}: {string.Join("\n", report.Unproven.Select(u => MachinePrinter.Headline(u.Access) + ": " + u.Reason))}\n{MachinePrinter.Print(k)}");
        }
    }
}

/// <summary>Soundness against the reference semantics: random kernels with unclamped indices that the analysis
/// proves in bounds run in the interpreter (which checks every access) without going out of bounds.</summary>
public class BoundsSoundnessTests
{
    [Fact]
    public void Proven_kernels_never_go_out_of_bounds_in_the_interpreter()
    {
        int wildProven = 0, caught = 0;
        for (int seed = 0; seed < 600; seed++)
        {
            var k = RandomMachineKernels.WildKernel(new Random(seed), statements: 25);
            var report = BoundsAnalysis.Analyze(k);
            bool wild = MachinePrinter.Print(k).Contains("%w");
            var r = new Random(seed);
            var args = k.Params.Select(p =>
            {
                var t = TensorFactory.Create(p.Element, p.Shape.Select(d => (int)d).ToArray());
                if (p.Role == ParamRole.Input)
                    for (int i = 0; i < t.Length; i++) ScalarSemantics.Write(t, i, RandomMachineKernels.Value(r, p.Element));
                return t;
            }).ToArray();
            try { MachineInterpreter.Run(k, args, new MachineRunOptions(CheckRaces: false)); }
            catch (StrataException e) when (e.Message.Contains("out of bounds") || e.Message.Contains("is outside 0.."))
            {
                Assert.True(report.Unproven.Count > 0, $"seed {seed}: proven in bounds but {e.Message}\n{MachinePrinter.Print(k)}");
                caught++;
                continue;
            }
            if (report.Unproven.Count == 0 && wild) wildProven++;
        }
        // Not vacuous: unclamped accesses are proven in many kernels, and the interpreter does catch others.
        Assert.True(wildProven >= 30 && caught >= 30, $"{wildProven} proven kernels with unclamped indices, {caught} caught out of bounds");
    }
}
