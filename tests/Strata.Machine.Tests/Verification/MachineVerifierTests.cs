using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Machine.Verification;
using Strata.Tile;

namespace Strata.Machine.Tests.Verification;

public class MachineVerifierTests
{
    private const string Header = "machine.kernel @k target(x86-64-avx2) (%x: ptr<f32>[16], %d: ptr<f64>[16], %o: ptr<f32>[16] output)\n    programs(2) {\n"
        + "  %i = const 0 : i64\n  %f = const 1.0 : f32\n  %g = const 2.0 : f64\n  %b = const true : bool\n  %v = const 0.0 : v8f32\n";

    private static MachineKernel Kernel(string body) => MachineParser.Parse(Header + body + "  store %o[%i], %f\n}\n");

    private static List<MachineDiagnostic> Errors(MachineKernel k) => MachineVerifier.Diagnose(k).Where(d => d.IsError).ToList();

    [Fact]
    public void Valid_kernels_have_no_diagnostics()
    {
        Assert.Empty(MachineVerifier.Diagnose(Kernel("")));
        Assert.Empty(MachineVerifier.Diagnose(MachineParser.Parse(Golden.Read("text/every_stmt"))));
        MachineVerifier.Verify(Kernel("  %w = const false : v4bool\n  %q = lt %g, %g : bool\n"));
    }

    /// <summary>Each body breaks one rule; the kernel without it (<see cref="Valid_kernels_have_no_diagnostics"/>) is valid.</summary>
    public static TheoryData<string, string> BadBodies() => new()
    {
        { "  if %b {\n    %a = const 1.0 : f32\n  }\n  %c = add %a, %f : f32\n", "%a is not assigned on every path" },
        { "  if %b {\n    %a = const 1.0 : f32\n  } else {\n    %a = mov %f : f32\n  }\n  %c = add %a, %f : f32\n  loop %j = %i to %i step 1 {\n    %e = const 1.0 : f32\n  }\n  %h = add %e, %f : f32\n", "%e is not assigned on every path" },
        { "  %n = const 4 : i64\n  loop %j = %i to %n step 1 {\n    %j = const 1 : i64\n  }\n", "must not assign it" },
        { "  %c = add %f, %g : f32\n", "operands of add have different types" },
        { "  %c = lt %f, %f : f32\n", "gives bool, not f32" },
        { "  %c = select %b, %v, %v : v8f32\n", "must be v8bool" },
        { "  %c = fma %i, %i, %i : i64\n", "fma is for float types" },
        { "  %c = broadcast %g : v8f32\n", "broadcast copies a scalar" },
        { "  %c = reduce_lanes sum %f : f32\n", "reduce_lanes takes a vector" },
        { "  %c = reduce_lanes argmax %v : f32\n", "not argmax" },
        { "  %c = cast %v : f64\n", "cast keeps the lanes" },
        { "  %c = load %x[%i] : f64\n", "holds f32" },
        { "  %c = load %x[%f] : f32\n", "the index %f must be i64" },
        { "  %c = load %x[%i] mask %b : v8f32\n", "a mask is for scalar accesses only" },
        { "  %c = load %x[%i] count %i : f32\n", "a count is for vector accesses only" },
        { "  %c = load %x[%i] mask %f : f32\n", "the mask %f must be bool" },
        { "  %c = const 0.0 : v4f32\n", "have 8 lanes" },
        { "  %c = const 0 : v8u8\n", "no vectors of u8" },
        { "  %c = const true : v3bool\n", "4 or 8 lanes" },
        { "  %c = program_id 1 : i64\n", "axis 1 does not exist" },
        { "  %c = program_id 0 : i32\n", "must be i64" },
        { "  %c = exp %i : i64\n", "exp is not defined for i64" },
        { "  %c = bitand %f, %f : f32\n", "bitand is not defined for f32" },
        { "  store %x[%i], %f\n", "is an input parameter" },
        { "  %n = const 16 : i64\n  %c = load %x[%n] : f32\n", "always outside [0, 16)" },
        { "  %n = const 9 : i64\n  %c = load %x[%n] : v8f32\n", "always outside [0, 16)" },
        { "  %c = mov %g : f32\n", "mov copies a register of its own type" },
        { "  if %f {\n  }\n", "the condition %f must be bool" },
        { "  loop %j = %f to %i step 1 {\n  }\n", "the lower bound %f must be i64" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Each_rule_fails_a_bad_kernel(string body, string message)
    {
        var k = Kernel(body);
        var errors = Errors(k);
        Assert.True(errors.Any(e => e.Message.Contains(message)), $"expected '{message}', got:\n{string.Join("\n", errors)}");
        var e = Assert.Throws<StrataException>(() => MachineVerifier.Verify(k));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Location_names_the_statement_number_and_text()
    {
        var d = Errors(Kernel("  %c = add %f, %g : f32\n")).Single();
        Assert.Equal("machine kernel @k, stmt 6: %c = add %f, %g : f32", d.Location);
        Assert.Equal(ErrorCode.TypeMismatch, d.Code);
        Assert.StartsWith("error E2002: machine kernel @k, stmt 6:", d.ToString());
    }

    private static readonly Target Avx2 = Target.X86Avx2;
    private static readonly BlockParam X = new("x", DataType.Float32, [16], ParamRole.Input);
    private static readonly BlockParam O = new("o", DataType.Float32, [16], ParamRole.Output);

    private static MachineKernel Make(ImmutableArray<MStmt> body, ImmutableArray<LocalBuffer> buffers = default) =>
        new("k", Avx2, [X, O], [2], buffers.IsDefault ? [] : buffers, body);

    /// <summary>Kernels the parser would refuse, built directly.</summary>
    [Fact]
    public void Rules_the_parser_already_enforces_are_checked_too()
    {
        var i = new Reg("i", MType.I64);
        var iAsF = new Reg("i", MType.Scalar(DataType.Float32));
        var f = new Reg("f", MType.Scalar(DataType.Float32));
        Assert.Contains(Errors(Make([new ConstStmt(i, Scalar.Int(0)), new ConstStmt(iAsF, Scalar.Float(1))])), e => e.Message.Contains("a register keeps one type"));
        Assert.Contains(Errors(Make([new MoveStmt(f, f)])), e => e.Message.Contains("%f is not assigned"));
        Assert.Contains(Errors(Make([new ConstStmt(i, Scalar.Int(0)), new LoopStmt(new Reg("j", MType.I64), i, i, 0, [])])), e => e.Message.Contains("step must be positive"));
        Assert.Contains(Errors(Make([new ConstStmt(new Reg("u", MType.Scalar(DataType.UInt8)), Scalar.Int(300))])), e => e.Message.Contains("not a value of type u8"));
        Assert.Contains(Errors(Make([new ConstStmt(i, Scalar.Int(0)), new StoreStmt("nope", i, i)])), e => e.Message.Contains("%nope is not a parameter or buffer"));
        Assert.Contains(Errors(Make([], [new LocalBuffer("t", DataType.Float32, 4), new LocalBuffer("t", DataType.Float32, 4)])), e => e.Message.Contains("buffer %t"));
        Assert.Contains(Errors(Make([], [new LocalBuffer("x", DataType.Float32, 4)])), e => e.Message.Contains("buffer %x"));
        Assert.Contains(Errors(Make([], [new LocalBuffer("t", DataType.Float32, -1)])), e => e.Message.Contains("negative length"));
        var j = new Reg("j", MType.I64);
        Assert.Contains(Errors(Make([new ConstStmt(i, Scalar.Int(0)), new LoopStmt(j, i, i, 1, [new LoopStmt(j, i, i, 1, [])])])), e => e.Message.Contains("already the variable"));
    }

    [Fact]
    public void An_output_never_stored_is_a_warning()
    {
        var d = MachineVerifier.Diagnose(Make([])).Single();
        Assert.False(d.IsError);
        Assert.Contains("%o is never stored", d.Message);
        MachineVerifier.Verify(Make([]));
    }

    [Fact]
    public void Unproven_accesses_are_not_errors()
    {
        // The index comes from loaded data: the backend checks it at run time.
        var k = Kernel("  %n = load %d[%i] : f64\n  %m = cast %n : i64\n  %c = load %x[%m] : f32\n");
        Assert.Empty(Errors(k));
        Assert.Single(BoundsAnalysis.Analyze(k).Unproven);
    }
}
