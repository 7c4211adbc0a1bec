using System.Runtime.CompilerServices;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Interpreting;
using Strata.Tile;

namespace Strata.Machine;

/// <summary>The reference semantics of level 3: an emulator of a <see cref="MachineKernel"/> that runs every program
/// instance sequentially, statement by statement, on any host, whatever the kernel's target (so AVX-512 kernels are
/// checked on machines without it). A register holds <c>Lanes</c> <see cref="Scalar"/>s; every operation is lane-wise
/// with the meaning of <see cref="ScalarSemantics"/>, except <c>fma</c>, which rounds once (as hardware does), and
/// <c>reduce_lanes</c>, which folds lanes in tree order (lane i with lane i + n/2, n halving). Memory is addressed by linear element index and every
/// access is bounds-checked (lanes masked off or beyond a count — clamped to 0..lanes — touch nothing); local buffers
/// start every instance as poison (NaN / 0x5A5A…), so a read before a write shows. Reading a register not yet
/// assigned in the instance is an error.
/// Registers are resolved to slots of a flat register file once per kernel, so the hot path has no lookups.</summary>
public static class MachineInterpreter
{
    private static readonly ConditionalWeakTable<MachineKernel, ResolvedKernel> Resolved = new();

    /// <summary>Runs <paramref name="kernel"/> with one tensor per parameter, in the order of
    /// <see cref="MachineKernel.Params"/>: inputs hold data, outputs and scratch are preallocated by the caller (their
    /// contents are overwritten where the kernel stores). Tensor shapes and element types must match exactly.</summary>
    public static void Run(MachineKernel kernel, IReadOnlyList<Tensor> arguments, MachineRunOptions? options = null)
    {
        options ??= MachineRunOptions.Default;
        if (arguments.Count != kernel.Params.Length)
            throw new StrataException(ErrorCode.InvalidArgument,
                $"machine kernel @{kernel.Name} takes {kernel.Params.Length} tensors (inputs, outputs and scratch), got {arguments.Count}",
                "pass one tensor per parameter, in signature order", Prepass.Where(kernel));
        for (int i = 0; i < arguments.Count; i++)
        {
            var p = kernel.Params[i];
            var t = arguments[i];
            if (t.DataType != p.Element || t.Shape.Length != p.Shape.Length || !t.Shape.Select(d => (long)d).SequenceEqual(p.Shape))
                throw new StrataException(ErrorCode.InputTypeMismatch,
                    $"machine kernel @{kernel.Name}: parameter %{p.Name} is ptr<{p.Element.ShortName()}>[{string.Join(",", p.Shape)}], got a {t}",
                    "allocate the tensor with the parameter's element type and shape", Prepass.Where(kernel));
        }
        foreach (long d in kernel.Grid)
            if (d < 0)
                throw new StrataException(ErrorCode.InvalidIr, $"machine kernel @{kernel.Name} has a negative grid dimension ({string.Join(", ", kernel.Grid)})",
                    "grid dimensions are >= 0", Prepass.Where(kernel));

        var resolved = Resolved.GetValue(kernel, Prepass.Resolve);
        var f = new Frame(kernel, resolved.Scalars, resolved.Registers, resolved.Memories);
        var locals = new List<int>();
        var views = new Dictionary<Tensor, Scalar[]>(ReferenceEqualityComparer.Instance);
        for (int m = 0; m < resolved.Memories.Length; m++)
        {
            var mem = resolved.Memories[m];
            if (mem.IsLocal)
            {
                f.Data[m] = new Scalar[mem.Length];
                locals.Add(m);
                continue;
            }
            // One tensor passed for two parameters is one memory (writes through one show through the other).
            var t = arguments[m];
            if (!views.TryGetValue(t, out var data)) views.Add(t, data = TensorScalars.ToScalars(t));
            f.Data[m] = data;
            if (options.CheckRaces && mem.Writable) f.WrittenBy[m] = new long[mem.Length];
        }

        try
        {
            foreach (long linear in Order(kernel.Programs, options))
            {
                f.Linear = linear;
                long rest = linear;
                for (int a = f.Pid.Length - 1; a >= 0; a--) { f.Pid[a] = rest % kernel.Grid[a]; rest /= kernel.Grid[a]; }
                Array.Clear(f.Assigned);
                foreach (int m in locals) Array.Fill(f.Data[m], resolved.Memories[m].Poison);
                Node.ExecAll(resolved.Body, f);
            }
        }
        finally
        {
            // Written back also after an error, as the Block interpreter leaves what it stored so far.
            for (int m = 0; m < resolved.Memories.Length; m++)
                if (!resolved.Memories[m].IsLocal && resolved.Memories[m].Writable)
                    TensorScalars.FromScalars(f.Data[m], arguments[m]);
        }
    }

    /// <summary>Convenience: binds <paramref name="inputs"/> to the input parameters (in order), allocates zeroed
    /// outputs and scratch, runs the kernel and returns the outputs in signature order.</summary>
    public static IReadOnlyList<Tensor> Call(MachineKernel kernel, IReadOnlyList<Tensor> inputs, MachineRunOptions? options = null)
    {
        int inputCount = kernel.Params.Count(p => p.Role == ParamRole.Input);
        if (inputs.Count != inputCount)
            throw new StrataException(ErrorCode.InvalidArgument,
                $"machine kernel @{kernel.Name} takes {inputCount} inputs, got {inputs.Count}", "pass one tensor per input parameter, in signature order",
                Prepass.Where(kernel));
        var arguments = new List<Tensor>();
        var outputs = new List<Tensor>();
        int next = 0;
        foreach (var p in kernel.Params)
        {
            if (p.Role == ParamRole.Input) { arguments.Add(inputs[next++]); continue; }
            var t = TensorFactory.Create(p.Element, p.Shape.Select(d => checked((int)d)).ToArray());
            arguments.Add(t);
            if (p.Role == ParamRole.Output) outputs.Add(t);
        }
        Run(kernel, arguments, options);
        return outputs;
    }

    /// <summary>Linear program ids in run order: the same permutation as <see cref="BlockInterpreter.Instances"/>.</summary>
    private static long[] Order(long count, MachineRunOptions options)
    {
        var order = new long[count];
        for (long i = 0; i < count; i++) order[i] = i;
        if (options.Order == ProgramOrder.Shuffled)
        {
            var rng = new Random(options.Seed);
            for (long i = count - 1; i > 0; i--)
            {
                long j = rng.NextInt64(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return order;
    }
}
