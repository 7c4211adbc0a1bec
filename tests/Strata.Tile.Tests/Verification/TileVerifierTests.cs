using CsCheck;
using Strata.Core;
using Strata.Tile.Text;
using Strata.Tile.Verification;

namespace Strata.Tile.Tests.Verification;

public class TileVerifierTests
{
    private static IReadOnlyList<TileDiagnostic> Diagnose(string body, string inputs = "%x: f32[4], %idx: i64[4], %m: bool[4]", string outputs = "%o: f32[4]") =>
        TileVerifier.Diagnose(TileParser.ParseKernel($"tile.kernel @k({inputs}) -> ({outputs}) {{\n{body}\n}}"));

    private static TileDiagnostic Single(IReadOnlyList<TileDiagnostic> ds, ErrorCode code, string fragment)
    {
        var hits = ds.Where(d => d.Code == code && d.Message.Contains(fragment, StringComparison.Ordinal)).ToList();
        Assert.True(hits.Count == 1, $"expected one {code} containing '{fragment}', got:\n{string.Join("\n", ds)}");
        return hits[0];
    }

    [Fact]
    public void Sample_kernels_are_clean()
    {
        foreach (var k in new[] { SampleKernels.Mlp(), SampleKernels.MatMul(3, 4, 5), SampleKernels.Softmax(4, 8), SampleKernels.TransposeReshape(),
                     SampleKernels.Pad(3, 4), SampleKernels.ArgMax(3, 4), Text.TileTextTests.Zoo() })
            Assert.True(TileVerifier.Diagnose(k).Count == 0, $"@{k.Name}:\n{string.Join("\n", TileVerifier.Diagnose(k))}");
    }

    [Fact]
    public void Random_kernels_have_no_errors() =>
        Gen.Int.Sample(seed =>
        {
            var k = RandomKernels.Kernel(new Random(seed));
            var errors = TileVerifier.Diagnose(k).Where(d => d.IsError).ToList();
            Assert.True(errors.Count == 0, TilePrinter.Print(k) + string.Join("\n", errors));
        }, iter: 300);

    [Fact]
    public void Provable_out_of_range_load_is_an_error()
    {
        var d = Single(Diagnose("  domain i = 4\n  %o[i] = %x[add(i, 1)]"), ErrorCode.IndexOutOfRange, "%x[add(i, 1)]");
        Assert.True(d.IsError);
        Assert.Contains("reads index 4 of dim 0", d.Message);
        Assert.Equal("tile kernel @k: %o[i]", d.Location);
        Assert.Contains("reads index -2", Single(Diagnose("  domain i = 4\n  %o[i] = %x[sub(i, 2)]"), ErrorCode.IndexOutOfRange, "%x").Message);
        Assert.Contains("reads index 10", Single(Diagnose("  domain i = 4\n  %o[i] = %x[mul(floordiv(add(i, 20), 2), 1)]"), ErrorCode.IndexOutOfRange, "%x").Message);
    }

    [Fact]
    public void Transposed_and_reshaped_indices_are_proven()
    {
        Assert.Empty(Diagnose("  domain i = 2, j = 2\n  %o[i, j] = %x[add(mul(j, 2), i)]", outputs: "%o: f32[2,2]"));
        Assert.Empty(Diagnose("  domain i = 8\n  %o[i] = %x[mod(add(i, 5), 4)]", outputs: "%o: f32[8]"));
        // 3 * 2 + 1 = 7 > 3: reading a 2x2 view out of a [4] buffer with the wrong stride.
        Single(Diagnose("  domain i = 2, j = 2\n  %o[i, j] = %x[add(mul(i, 3), j)]", outputs: "%o: f32[2,2]"), ErrorCode.IndexOutOfRange, "reads index 4");
    }

    [Fact]
    public void Guarded_loads_are_proven_or_exempt()
    {
        // The guard proves the load: no diagnostic at all.
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = select(lt(i, 3), %x[add(i, 1)], 0.0 : f32)"));
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = select(ge(sub(i, 1), 0), %x[sub(i, 1)], 0.0 : f32)"));
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = select(or(lt(i, 1), gt(i, 2)), 0.0 : f32, %x[add(i, 1)])"));
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = select(not(ge(i, 3)), %x[add(i, 1)], 0.0 : f32)"));
        // Data-dependent guard: cannot be proven, but guarded loads are exempt.
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = select(%m[i], %x[add(i, 1)], 0.0 : f32)"));
        // Guarded gather, proven by the guard on the loaded index.
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = select(and(ge(%idx[i], 0), lt(%idx[i], 4)), %x[%idx[i]], 0.0 : f32)"));
    }

    [Fact]
    public void Unprovable_unguarded_load_is_a_warning_and_a_clamp_proves_it()
    {
        var d = Single(Diagnose("  domain i = 4\n  %o[i] = %x[%idx[i]]"), ErrorCode.IndexOutOfRange, "cannot prove");
        Assert.False(d.IsError);
        Assert.Empty(Diagnose("  domain i = 4\n  %o[i] = %x[min(max(%idx[i], 0), 3)]"));
    }

    [Fact]
    public void Structural_errors_are_all_reported()
    {
        var ds = Diagnose("""
              temp %t: f32[4]
              temp %never: f32[4]
              domain i = 4, j = 5
              reduce k = 4
              %x[i] = 1.0 : f32
              %o[j] = %t[j]
              %t[i] = sum[i] %x[k]
            """, outputs: "%o: f32[4], %o2: f32[4]");
        Single(ds, ErrorCode.InvalidIr, "writes input %x");
        Single(ds, ErrorCode.ShapeMismatch, "axis j = 5 indexes dim 0 of %o, which is 4");
        Single(ds, ErrorCode.InvalidIr, "%t is read before any computation writes it");
        Single(ds, ErrorCode.InvalidIr, "axis i is both an output index and a reduction axis");
        Single(ds, ErrorCode.UndefinedValue, "index variable k is not in scope");
        Single(ds, ErrorCode.InvalidIr, "output %o2 is never written");
        Assert.False(Single(ds, ErrorCode.InvalidIr, "temp %never is never written").IsError);
        Assert.False(Single(ds, ErrorCode.InvalidIr, "axis k is not used").IsError);
        var e = Assert.Throws<StrataException>(() => TileVerifier.Verify(TileParser.ParseKernel(
            "tile.kernel @k(%x: f32[4]) -> (%o: f32[4]) {\n  domain i = 4\n  %x[i] = 1.0 : f32\n}")));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains("2 errors", e.Message);
    }

    [Fact]
    public void Type_errors_are_reported()
    {
        Single(Diagnose("  domain i = 4\n  %o[i] = add(%x[i], 1 : i32)"), ErrorCode.TypeMismatch, "add of f32 and i32");
        Single(Diagnose("  domain i = 4\n  %o[i] = select(%x[i], 1.0 : f32, 2.0 : f32)"), ErrorCode.TypeMismatch, "select condition is f32");
        Single(Diagnose("  domain i = 4\n  %o[i] = select(%m[i], 1.0 : f32, 2.0 : f64)"), ErrorCode.TypeMismatch, "select branches are f32 and f64");
        Single(Diagnose("  domain i = 4\n  %o[i] = %x[cast<i32>(i)]"), ErrorCode.TypeMismatch, "indices are i64");
        Single(Diagnose("  domain i = 4\n  %o[i] = %x[i, i]"), ErrorCode.ShapeMismatch, "2 indices but the buffer has rank 1");
        Single(Diagnose("  domain i = 4\n  %o[i] = cast<f32>(exp(%idx[i]))"), ErrorCode.TypeMismatch, "exp is not defined on i64");
        Single(Diagnose("  domain i = 4\n  %o[i] = bitand(%x[i], %x[i])"), ErrorCode.TypeMismatch, "bitand is not defined on f32");
        Single(Diagnose("  domain i = 4\n  %o[i] = %idx[i]"), ErrorCode.TypeMismatch, "yields i64 but %o holds f32");
        Single(Diagnose("  domain i = 4\n  %o[i] = add(%o[i], 1.0 : f32)"), ErrorCode.InvalidIr, "reads %o, the buffer it writes");
        Single(Diagnose("  reduce i = 4\n  %o[] = argmax[i] %x[i]", outputs: "%o: i64[]").Concat(
            Diagnose("  reduce i = 2, j = 2\n  %o[] = argmax[i, j] %x[add(i, j)]", outputs: "%o: i64[]")).ToList(),
            ErrorCode.InvalidIr, "exactly one");
    }

    [Fact]
    public void Undeclared_names_built_in_code_are_reported()
    {
        var k = new TileKernel("k",
            [new TileBuffer("x", DataType.Float32, [4], BufferRole.Input), new TileBuffer("x", DataType.Float32, [4], BufferRole.Input)],
            [new TileBuffer("o", DataType.Float32, [4], BufferRole.Output)], [],
            [new Axis("i", 4), new Axis("i", 4)],
            [new Computation("o", ["q"], null, new Load("nope", [Expr.Var("i")], DataType.Float32)),
             new Computation("p", [], null, new Load("x", [Expr.Index(0)], DataType.Float64))]);
        var ds = TileVerifier.Diagnose(k);
        Single(ds, ErrorCode.InvalidIr, "buffer %x is declared twice");
        Single(ds, ErrorCode.InvalidIr, "axis i is declared twice");
        Single(ds, ErrorCode.UndefinedValue, "output index q is not a declared axis");
        Single(ds, ErrorCode.UndefinedValue, "load of undeclared buffer %nope");
        Single(ds, ErrorCode.UndefinedValue, "writes undeclared buffer %p");
        Single(ds, ErrorCode.TypeMismatch, "typed f64 but the buffer holds f32");
    }

    /// <summary>Soundness against the interpreter: a kernel the verifier proves in range never fails with an
    /// out-of-range load, and one it reports as out of range always does.</summary>
    [Fact]
    public void Verdicts_agree_with_the_interpreter() =>
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 6], Gen.Int).Sample((n, m, seed) =>
        {
            var r = new Random(seed);
            var i = Expr.Var("i");
            Expr index = r.Next(4) switch
            {
                0 => i * r.Next(-2, 3) + r.Next(-3, 4),
                1 => new Binary(BinaryOp.FloorDiv, i + r.Next(-2, 6), Expr.Index(r.Next(1, 4))),
                2 => new Binary(BinaryOp.Mod, i + r.Next(-3, 4), Expr.Index(r.Next(1, 6))),
                _ => new Binary(BinaryOp.Min, i + r.Next(-1, 3), Expr.Index(r.Next(0, 6))),
            };
            Expr load = new Load("x", [index], DataType.Float32);
            Expr body = r.Next(3) == 0
                ? new Select(new Binary(r.Next(2) == 0 ? BinaryOp.Lt : BinaryOp.Ge, index, Expr.Index(r.Next(-1, n + 1))), load, Constant.Of(0, DataType.Float32))
                : load;
            var k = new TileKernel("k", [new TileBuffer("x", DataType.Float32, [n], BufferRole.Input)],
                [new TileBuffer("o", DataType.Float32, [m], BufferRole.Output)], [], [new Axis("i", m)],
                [new Computation("o", ["i"], null, body)]);
            var ds = TileVerifier.Diagnose(k);
            bool provenOut = ds.Any(d => d.IsError && d.Code == ErrorCode.IndexOutOfRange);
            bool provenIn = !TileVerifier.Diagnose(k, strictBounds: true).Any(d => d.Code == ErrorCode.IndexOutOfRange);
            bool threw = false;
            try { TileInterpreter.Run(k, [new Tensor<float>([n])]); }
            catch (StrataException e) when (e.Code == ErrorCode.IndexOutOfRange) { threw = true; }
            string what = TilePrinter.Print(k) + string.Join("\n", ds);
            if (provenOut) Assert.True(threw, "verifier error but the interpreter ran:\n" + what);
            if (provenIn) Assert.False(threw, "verifier proved it but the interpreter failed:\n" + what);
        }, iter: 2000);
}
