using CsCheck;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Verification;

/// <summary>When a kernel may write its output %o over its input %r: each element of %r read before %o's is written,
/// and no element of %o written twice. Every refusal below is a kernel that would compute a wrong result in place.</summary>
public class WriteOverInputTests
{
    /// <summary>%r and %o have 64 elements, %idx is data, the grid has 4 instances of 16 elements each.</summary>
    private const string Header = "machine.kernel @k target(x86-64-avx2) (%r: ptr<f32>[64], %idx: ptr<i64>[4], %o: ptr<f32>[64] output)\n    programs(4) {\n"
        + "  %p = program_id 0 : i64\n  %c0 = const 0 : i64\n  %c1 = const 1 : i64\n  %c8 = const 8 : i64\n  %c16 = const 16 : i64\n"
        + "  %one = const 1.0 : v8f32\n  %base = mul %p, %c16 : i64\n  %end = add %base, %c16 : i64\n";

    private static string? Refusal(string body, long budget = WriteOverInput.DefaultBudget) =>
        WriteOverInput.Refusal(MachineParser.Parse(Header + body + "}\n"), "r", "o", budget);

    /// <summary>The residual epilogue's shape: each vector of %r loaded, combined and stored to %o at the same index.</summary>
    private const string Elementwise =
        "  loop %i = %base to %end step 8 {\n    %v = load %r[%i] : v8f32\n    %w = add %v, %one : v8f32\n    store %o[%i], %w\n  }\n";

    [Fact]
    public void AnElementwiseKernelMayWriteOverItsInput() => Assert.Null(Refusal(Elementwise));

    [Fact]
    public void UnrelatedWorkBetweenTheLoadAndTheStoreIsAllowed() => Assert.Null(Refusal(
        "  loop %i = %base to %end step 8 {\n    %v = load %r[%i] : v8f32\n    %j = add %i, %c1 : i64\n"
        + "    loop %k = %c0 to %c8 step 1 {\n      %t = add %k, %c1 : i64\n    }\n    %w = add %v, %one : v8f32\n    store %o[%i], %w\n  }\n"));

    [Fact]
    public void MaskedTailsPairWhenTheirLaneRangesAreTheSameRegisters() => Assert.Null(Refusal(
        "  %c5 = const 5 : i64\n  %ix = add %base, %c8 : i64\n  %v = load %r[%base] : v8f32\n  store %o[%base], %v\n"
        + "  %t = load %r[%ix] count %c5 : v8f32\n  store %o[%ix], %t count %c5\n"));

    public static TheoryData<string, string> Refusals() => new()
    {
        // The output read back (a K-split accumulator, a running sum).
        { "  %v = load %r[%base] : v8f32\n  store %o[%base], %v\n  %u = load %o[%base] : v8f32\n", "reads its output" },
        // The input written.
        { "  %v = load %o[%base] : v8f32\n  store %r[%base], %v\n", "reads its output" },
        { "  store %r[%base], %one\n  %v = load %r[%base] : v8f32\n  store %o[%base], %v\n", "writes its input" },
        // A load after the store of its elements: it would read the output's value.
        { "  %v = load %r[%base] : v8f32\n  store %o[%base], %v\n  %u = load %r[%base] : v8f32\n", "is not followed" },
        // A load paired with a store elsewhere (a shift, a transpose).
        { "  %ix = add %base, %c8 : i64\n  %v = load %r[%ix] : v8f32\n  store %o[%base], %v\n", "is not followed" },
        // The index reassigned between the load and the store.
        { "  %ix = mov %base : i64\n  %v = load %r[%ix] : v8f32\n  %ix = add %ix, %c8 : i64\n  store %o[%ix], %v\n", "is not followed" },
        // Different lanes: a vector load, a scalar store; a count on one side only.
        { "  %v = load %r[%base] : f32\n  %w = load %r[%base] : v8f32\n  store %o[%base], %w\n", "is not followed" },
        { "  %c5 = const 5 : i64\n  %v = load %r[%base] count %c5 : v8f32\n  store %o[%base], %v\n", "is not followed" },
        // A load in a loop and its store after the loop: not the same statement list.
        { "  loop %i = %base to %end step 8 {\n    %v = load %r[%i] : v8f32\n  }\n  store %o[%base], %one\n", "is not followed" },
        // Overlapping stores: 8 lanes every 4 elements (a tail tile shifted back onto the previous one).
        { "  loop %i = %base to %end step 4 {\n    %v = load %r[%i] : v8f32\n    store %o[%i], %v\n  }\n", "stored twice" },
        // Two instances on the same elements.
        { "  %c2 = const 2 : i64\n  %h = div %p, %c2 : i64\n  %ix = mul %h, %c8 : i64\n  %v = load %r[%ix] : v8f32\n  store %o[%ix], %v\n", "stored twice" },
        // A store of the output with no load (a zero fill) before the pair that writes the same elements.
        { "  store %o[%base], %one\n  %v = load %r[%base] : v8f32\n  store %o[%base], %v\n", "stored twice" },
        // Addresses from data.
        { "  %n = load %idx[%c0] : i64\n  %v = load %r[%n] : v8f32\n  store %o[%n], %v\n", "not known" },
        { "  %n = load %idx[%c0] : i64\n  loop %i = %c0 to %n step 8 {\n    %v = load %r[%i] : v8f32\n    store %o[%i], %v\n  }\n", "unknown bounds" },
        // A register assigned in a loop the trace skips (it stores nothing) is unknown after it.
        { "  %ix = mov %base : i64\n  loop %k = %c0 to %c1 step 1 {\n    %ix = add %ix, %c0 : i64\n  }\n  %v = load %r[%ix] : v8f32\n  store %o[%ix], %v\n", "not known" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void KernelsThatWouldReadAnOverwrittenElementAreRefused(string body, string why) =>
        Assert.Contains(why, Refusal(body) ?? "proven");

    [Fact]
    public void TheTraceGivesUpBeyondItsBudget()
    {
        Assert.Null(Refusal(Elementwise, budget: 100));
        Assert.Contains("too large", Refusal(Elementwise, budget: 20));
    }

    [Fact]
    public void InputsAndOutputsOfAnotherTypeOrSizeAreRefused()
    {
        var k = MachineParser.Parse(Header + Elementwise + "}\n");
        Assert.Contains("element type or size", WriteOverInput.Refusal(k, "idx", "o"));
        Assert.Contains("not an input", WriteOverInput.Refusal(k, "o", "o"));
        Assert.Contains("not an output", WriteOverInput.Refusal(k, "r", "idx"));
    }

    /// <summary>Tiles of random width over random row lengths: proven exactly when the tiles do not overlap (the step is
    /// at least the lanes), with a masked tail where the length is not a multiple of the step.</summary>
    [Fact]
    public void ProvenExactlyWhenNoTwoTilesOverlap() =>
        Gen.Select(Gen.Int[1, 20], Gen.Int[1, 12]).Sample((length, step) =>
        {
            var kernel = MachineParser.Parse(
                $"machine.kernel @k target(x86-64-avx2) (%r: ptr<f32>[{length}], %o: ptr<f32>[{length}] output)\n    programs(1) {{\n"
                + $"  %c0 = const 0 : i64\n  %n = const {length} : i64\n  %c8 = const 8 : i64\n"
                + $"  loop %i = %c0 to %n step {step} {{\n    %left = sub %n, %i : i64\n    %k = min %left, %c8 : i64\n"
                + "    %v = load %r[%i] count %k : v8f32\n    store %o[%i], %v count %k\n  }\n}\n");
            var why = WriteOverInput.Refusal(kernel, "r", "o");
            bool overlap = step < Math.Min(8, length) && length > step;
            Assert.True(overlap == why is not null, $"length {length}, step {step}: {why ?? "proven"}");
        });
}
