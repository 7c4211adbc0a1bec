using System.Runtime.InteropServices;
using Strata.Backends.Clr;
using Strata.Block;
using Strata.Block.Compilation;
using Strata.Conformance;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Machine;
using Strata.Machine.Backend;
using Strata.Machine.Compilation;
using Strata.Machine.Passes;

namespace Strata.Runtime.Tests;

/// <summary>Issue 4's acceptance: a test-only faulty Machine pass moves a store out of bounds; checked code throws an
/// error naming the kernel and the memory instead of writing outside it. The fault is data-dependent (an offset loaded
/// from an input), so the bounds analysis cannot prove the store either way: it is checked with and without
/// <see cref="SessionOptions.Checked"/>. A fault the analysis proves out of bounds is rejected by the verifier, naming the pass.</summary>
public sealed class CheckedModeTests
{
    private const int Rows = 4, Inner = 8, Cols = 6;

    /// <summary>y = x·w + b with every operand an input, so the test sets element 0 of each (the faulty offset).</summary>
    private static Graph.Graph MatMulAdd()
    {
        var g = new GraphBuilder("matmul_add");
        var x = g.Input("x", DataType.Float32, Rows, Inner);
        var w = g.Input("w", DataType.Float32, Inner, Cols);
        var b = g.Input("b", DataType.Float32, Cols);
        g.Output(g.MatMul(x, w) + b, "y");
        return g.Build();
    }

    /// <summary>Random inputs with element 0 of every one set to <paramref name="first"/> (whichever input the faulty
    /// pass reads, the offset is this value).</summary>
    private static Dictionary<string, RuntimeValue> Inputs(float first)
    {
        var x = SmallGraphs.Random(11, Rows, Inner);
        var w = SmallGraphs.Random(12, Inner, Cols);
        var b = SmallGraphs.Random(13, Cols);
        x[0] = w[0] = b[0] = first;
        return new() { ["x"] = x, ["w"] = w, ["b"] = b };
    }

    private static SessionOptions Faulty(bool isChecked) => new()
    {
        Checked = isChecked,
        Threads = 1,
        MachinePasses = MachinePipeline.Default.With(new FaultyPasses.DataDependentStoreOffset()),
    };

    private static void AssertMatchesReference(Graph.Graph graph, Dictionary<string, RuntimeValue> inputs, IReadOnlyDictionary<string, RuntimeValue?> actual)
    {
        var expected = SmallGraphs.Reference(graph, inputs);
        Assert.True(ValueComparer.Default.Compare(actual["y"], expected["y"]!) is null, $"y: {ValueComparer.Default.Compare(actual["y"], expected["y"]!)}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DataDependentOutOfBoundsStore_ThrowsNamingTheKernel_AndTheSessionStaysUsable(bool isChecked)
    {
        var graph = MatMulAdd();
        using var session = InferenceSession.Create(graph, Faulty(isChecked));

        // Offset 0: the faulty kernel is right (so the pass ran natively and the test below fails for the fault alone).
        var benign = Inputs(0f);
        AssertMatchesReference(graph, benign, session.Run(benign));
        var kernels = session.Stats!.Kernels;
        Assert.All(kernels, k => Assert.Equal(ExecutionLevel.Native, k.Level));

        var e = Assert.Throws<StrataException>(() => session.Run(Inputs(1e6f)));
        Assert.Equal(ErrorCode.EvaluationFailed, e.Code);
        Assert.Contains(kernels, k => e.Message.Contains($"kernel @{k.Name}:", StringComparison.Ordinal));
        Assert.Contains("store %", e.Message, StringComparison.Ordinal);
        Assert.Contains("out of bounds", e.Message, StringComparison.Ordinal);

        // Nothing was corrupted: the same session (same arena, same pinned outputs path) computes the right thing again.
        AssertMatchesReference(graph, benign, session.Run(benign));
    }

    /// <summary>The kernel run directly on memory with guard bytes on both sides of every argument: the faulty store
    /// would land right after the output (offset = the output's length), so a write that got through would show.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public unsafe void DataDependentOutOfBoundsStore_LeavesTheGuardBytesUntouched(bool isChecked)
    {
        const int guard = 4096;
        const byte pattern = 0xCD;
        var kernel = LowerFaulty(MachinePipeline.Default.With(new FaultyPasses.DataDependentStoreOffset())).Single(k => k.Machine is not null).Machine!;
        var output = kernel.Params.First(p => p.Role == ParamRole.Output);
        float offset = output.Shape.Aggregate(1L, (a, d) => a * d);
        var native = new ClrBackend().Compile(kernel, new NativeCompileOptions(isChecked));

        var blocks = new List<nint>();
        try
        {
            var args = stackalloc nint[kernel.Params.Length];
            var bytes = new long[kernel.Params.Length];
            var random = new Random(5);
            for (int i = 0; i < kernel.Params.Length; i++)
            {
                var p = kernel.Params[i];
                Assert.Equal(DataType.Float32, p.Element);
                bytes[i] = p.Shape.Aggregate(4L, (a, d) => a * d);
                var block = (nint)NativeMemory.AlignedAlloc((nuint)(bytes[i] + 2 * guard), 64);
                blocks.Add(block);
                new Span<byte>((void*)block, (int)(bytes[i] + 2 * guard)).Fill(pattern);
                args[i] = block + guard;
                if (p.Role != ParamRole.Input) continue;
                var data = new Span<float>((void*)args[i], (int)(bytes[i] / 4));
                for (int j = 0; j < data.Length; j++) data[j] = (float)random.NextDouble();
                data[0] = offset;
            }
            var locals = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(native.LocalBytes, 64), 64);
            blocks.Add(locals);

            var e = Assert.Throws<StrataException>(() => native.Run(args, 0, kernel.Programs, locals));
            Assert.Contains($"kernel @{kernel.Name}: store %{output.Name}[", e.Message, StringComparison.Ordinal);

            for (int i = 0; i < kernel.Params.Length; i++)
            {
                var before = new ReadOnlySpan<byte>((void*)(args[i] - guard), guard);
                var after = new ReadOnlySpan<byte>((void*)(args[i] + (nint)bytes[i]), guard);
                Assert.True(before.IndexOfAnyExcept(pattern) < 0, $"bytes before %{kernel.Params[i].Name} were written");
                Assert.True(after.IndexOfAnyExcept(pattern) < 0, $"bytes after %{kernel.Params[i].Name} were written");
            }
        }
        finally
        {
            foreach (var b in blocks) NativeMemory.AlignedFree((void*)b);
        }
    }

    [Fact]
    public void ProvablyOutOfBoundsPassOutput_IsRejectedByTheVerifier_NamingThePass()
    {
        var pass = new FaultyPasses.ConstantStoreOffset();
        var e = Assert.Throws<StrataException>(() => LowerFaulty(MachinePipeline.Default.With(pass), verify: true, continueOnError: false));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains($"is invalid after {pass.Name}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"E{(int)ErrorCode.IndexOutOfRange:D4}", e.Message, StringComparison.Ordinal);

        // Without --verify-each the pass output compiles, and the (unproven) store is checked at run time.
        Assert.All(LowerFaulty(MachinePipeline.Default.With(pass), verify: false, continueOnError: false), k => Assert.NotNull(k.Machine));
    }

    [Fact]
    public void ProvablyOutOfBoundsPassOutput_InASessionWithVerifyEach_RunsTheKernelAtTheBlockLevel()
    {
        var graph = MatMulAdd();
        var pass = new FaultyPasses.ConstantStoreOffset();
        using var session = InferenceSession.Create(graph, new SessionOptions
        {
            Threads = 1,
            Compiler = CompilerOptions.Default with { VerifyEach = true },
            MachinePasses = MachinePipeline.Default.With(pass),
        });
        var inputs = Inputs(0.5f);
        AssertMatchesReference(graph, inputs, session.Run(inputs));
        Assert.Contains(session.Stats!.Kernels, k => k.Level == ExecutionLevel.Block && k.Reason!.Contains($"after {pass.Name}", StringComparison.Ordinal));
    }

    [Fact]
    public void CheckedSession_OnACorrectModel_MatchesTheReference()
    {
        var graph = SmallGraphs.Mlp();
        using var session = InferenceSession.Create(graph, new SessionOptions { Checked = true, Threads = 2 });
        var x = SmallGraphs.Random(3, 5, 8);
        var inputs = new Dictionary<string, RuntimeValue> { ["x"] = x };
        var expected = SmallGraphs.Reference(graph, inputs);
        var actual = session.Run(inputs);
        foreach (var (name, e) in expected)
            Assert.True(ValueComparer.Default.Compare(actual[name], e!) is null, $"{name}: {ValueComparer.Default.Compare(actual[name], e!)}");
        Assert.All(session.Stats!.Kernels, k => Assert.Equal(ExecutionLevel.Native, k.Level));
    }

    private static IReadOnlyList<MachineCompiledKernel> LowerFaulty(MachinePipeline passes, bool verify = false, bool continueOnError = true)
    {
        var model = new Compiler(CompilerOptions.Default).Compile(MatMulAdd(), Inputs(0f));
        var options = Machine.Lowering.MachineLoweringOptions.Default with { VerifyEach = verify, ContinueOnKernelError = continueOnError };
        return MachineCompiler.Lower(model, TargetCatalog.Host, options, passes).Kernels;
    }
}
