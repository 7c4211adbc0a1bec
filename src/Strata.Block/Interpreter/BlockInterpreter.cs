using System.Collections.Immutable;
using Strata.Core;
using Strata.Tile;

namespace Strata.Block;

/// <summary>In which order <see cref="BlockInterpreter"/> runs the program instances of a grid.</summary>
public enum ProgramOrder
{
    /// <summary>Row-major over the grid (the last grid axis varies fastest).</summary>
    RowMajor,

    /// <summary>A random permutation from <see cref="BlockRunOptions.Seed"/>: a kernel whose instances depend on
    /// each other's writes gives different results (or a race error) under different seeds.</summary>
    Shuffled,
}

/// <summary>Options of one interpreter run.</summary>
/// <param name="Order">The order of program instances.</param>
/// <param name="Seed">Seed of the permutation for <see cref="ProgramOrder.Shuffled"/>.</param>
/// <param name="CheckRaces">Record which instance wrote each element of output/scratch parameters and throw
/// (<see cref="ErrorCode.EvaluationFailed"/>) when another instance reads or writes it: instances may run in
/// any order or in parallel, so such a kernel is wrong even if it happens to work in row-major order.</param>
public sealed record BlockRunOptions(ProgramOrder Order = ProgramOrder.RowMajor, int Seed = 0, bool CheckRaces = true)
{
    public static BlockRunOptions Default { get; } = new();
}

/// <summary>The reference semantics of level 2: runs every program instance of a <see cref="BlockKernel"/>
/// sequentially, op by op, on whole blocks. A block value is an array of <see cref="Scalar"/>s in row-major order
/// with its <see cref="BlockType"/>; every scalar operation goes through <see cref="ScalarSemantics"/>, so this
/// level means exactly what the Tile level means. Written to be obviously right, not fast.</summary>
public static class BlockInterpreter
{
    /// <summary>Runs <paramref name="kernel"/> with one tensor per parameter, in the order of
    /// <see cref="BlockKernel.Params"/>: inputs hold data, outputs and scratch are preallocated by the caller
    /// (their contents are overwritten where the kernel stores). Tensor shapes and element types must match the
    /// parameters exactly.</summary>
    public static void Run(BlockKernel kernel, IReadOnlyList<Tensor> arguments, BlockRunOptions? options = null)
    {
        options ??= BlockRunOptions.Default;
        if (arguments.Count != kernel.Params.Length)
            throw new StrataException(ErrorCode.InvalidArgument,
                $"block kernel @{kernel.Name} takes {kernel.Params.Length} tensors (inputs, outputs and scratch), got {arguments.Count}",
                "pass one tensor per parameter, in signature order", Where(kernel));
        var memory = new Dictionary<string, Memory>(StringComparer.Ordinal);
        for (int i = 0; i < arguments.Count; i++)
        {
            var p = kernel.Params[i];
            var t = arguments[i];
            if (t.DataType != p.Element || !t.Shape.AsSpan().SequenceEqual(p.Shape.Select(d => (int)d).ToArray()))
                throw new StrataException(ErrorCode.InputTypeMismatch,
                    $"block kernel @{kernel.Name}: parameter %{p.Name} is ptr<{p.Element.ShortName()}>{FormatShape(p.Shape)}, got a {t}",
                    "allocate the tensor with the parameter's element type and shape", Where(kernel));
            if (!memory.TryAdd(p.Name, new Memory(p, t, options.CheckRaces && p.Role != ParamRole.Input)))
                throw new StrataException(ErrorCode.InvalidIr, $"block kernel @{kernel.Name} declares %{p.Name} twice", "rename one parameter", Where(kernel));
        }

        foreach (var pid in Instances(kernel.Grid, options))
            new Instance(kernel, memory, pid).Execute();
    }

    /// <summary>Convenience: binds <paramref name="inputs"/> to the input parameters (in order), allocates zeroed
    /// outputs and scratch, runs the kernel and returns the outputs in signature order.</summary>
    public static IReadOnlyList<Tensor> Call(BlockKernel kernel, IReadOnlyList<Tensor> inputs, BlockRunOptions? options = null)
    {
        int inputCount = kernel.Params.Count(p => p.Role == ParamRole.Input);
        if (inputs.Count != inputCount)
            throw new StrataException(ErrorCode.InvalidArgument,
                $"block kernel @{kernel.Name} takes {inputCount} inputs, got {inputs.Count}", "pass one tensor per input parameter, in signature order", Where(kernel));
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

    /// <summary>The program ids of every instance, in the order they run.</summary>
    public static IEnumerable<long[]> Instances(ImmutableArray<long> grid, BlockRunOptions options)
    {
        long count = grid.Aggregate(1L, (a, b) => a * b);
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
        foreach (long linear in order)
        {
            var pid = new long[grid.Length];
            long rest = linear;
            for (int a = grid.Length - 1; a >= 0; a--) { pid[a] = rest % grid[a]; rest /= grid[a]; }
            yield return pid;
        }
    }

    /// <summary>A parameter's tensor, with the race-check ownership of its elements.</summary>
    private sealed class Memory(BlockParam param, Tensor tensor, bool track)
    {
        public readonly BlockParam Param = param;
        public readonly Tensor Tensor = tensor;
        public readonly int[] Strides = ShapeMath.Strides(tensor.Shape);

        /// <summary>1 + the linear id of the instance that wrote each element (0 = not written), or null.</summary>
        public readonly long[]? WrittenBy = track ? new long[tensor.Length] : null;
    }

    /// <summary>A block value at run time: row-major scalars of <see cref="Type"/>.</summary>
    private sealed record Block(BlockType Type, Scalar[] Data);

    private sealed class Instance(BlockKernel kernel, Dictionary<string, Memory> memory, long[] pid)
    {
        private readonly Dictionary<string, Block> _env = new(StringComparer.Ordinal);
        private readonly long _linear = Linear(kernel.Grid, pid);

        public void Execute() => Run(kernel.Body);

        private void Run(ImmutableArray<BlockOp> ops)
        {
            foreach (var op in ops) Step(op);
        }

        private void Step(BlockOp op)
        {
            switch (op)
            {
                case ProgramIdOp p:
                    if (p.Axis < 0 || p.Axis >= pid.Length)
                        throw Invalid(op, $"program_id axis {p.Axis} is out of range for a grid of rank {pid.Length}");
                    Define(p.Result, Splat(p.Result.Type, Scalar.Int(pid[p.Axis])));
                    break;
                case ConstantOp c:
                    Define(c.Result, Splat(c.Result.Type, c.Value));
                    break;
                case ArangeOp a:
                {
                    var start = ScalarOf(a.Start, op);
                    if (a.Result.Type.Rank != 1 || a.Result.Type.Shape[0] != a.Length)
                        throw Invalid(op, $"arange of length {a.Length} must have a 1-D result of that length, not {a.Result.Type}");
                    if (ScalarSemantics.IsFloat(a.Result.Type.Element) || ScalarSemantics.IsFloat(a.Start.Type.Element))
                        throw Invalid(op, "arange works on integer (index) values");
                    var data = new Scalar[a.Length];
                    for (int i = 0; i < a.Length; i++)
                        data[i] = ScalarSemantics.Normalize(Scalar.Int(start.I + i), a.Result.Type.Element);
                    Define(a.Result, new Block(a.Result.Type, data));
                    break;
                }
                case BroadcastOp b:
                {
                    var src = Get(b.Source);
                    SameElement(op, b.Source, b.Result);
                    Define(b.Result, Broadcast(src, b.Result.Type.Shape, op));
                    break;
                }
                case ReshapeOp r:
                {
                    var src = Get(r.Source);
                    SameElement(op, r.Source, r.Result);
                    if (src.Type.Size != r.Result.Type.Size)
                        throw Invalid(op, $"cannot reshape {src.Type} to {r.Result.Type}: sizes differ");
                    Define(r.Result, new Block(r.Result.Type, src.Data));
                    break;
                }
                case UnaryBlockOp u:
                {
                    var x = Operand(u.X, u.Result, op);
                    var t = u.X.Type.Element;
                    ExpectElement(op, u.Result, ScalarSemantics.ResultType(u.Op, t));
                    var data = new Scalar[x.Length];
                    for (int i = 0; i < data.Length; i++) data[i] = ScalarSemantics.Unary(u.Op, t, x[i]);
                    Define(u.Result, new Block(u.Result.Type, data));
                    break;
                }
                case BinaryBlockOp b:
                {
                    var t = b.A.Type.Element;
                    if (b.B.Type.Element != t)
                        throw Invalid(op, $"operands of {b.Op.Name()} have different element types ({b.A.Type}, {b.B.Type})", ErrorCode.TypeMismatch);
                    ExpectElement(op, b.Result, ScalarSemantics.ResultType(b.Op, t));
                    var x = Operand(b.A, b.Result, op);
                    var y = Operand(b.B, b.Result, op);
                    var data = new Scalar[x.Length];
                    for (int i = 0; i < data.Length; i++) data[i] = ScalarSemantics.Binary(b.Op, t, x[i], y[i]);
                    Define(b.Result, new Block(b.Result.Type, data));
                    break;
                }
                case SelectBlockOp s:
                {
                    if (s.Condition.Type.Element != DataType.Bool)
                        throw Invalid(op, $"select condition must be bool, not {s.Condition.Type}", ErrorCode.TypeMismatch);
                    SameElement(op, s.IfTrue, s.Result);
                    SameElement(op, s.IfFalse, s.Result);
                    var c = Operand(s.Condition, s.Result, op);
                    var x = Operand(s.IfTrue, s.Result, op);
                    var y = Operand(s.IfFalse, s.Result, op);
                    var data = new Scalar[c.Length];
                    for (int i = 0; i < data.Length; i++) data[i] = c[i].AsBool ? x[i] : y[i];
                    Define(s.Result, new Block(s.Result.Type, data));
                    break;
                }
                case CastBlockOp c:
                {
                    var x = Operand(c.X, c.Result, op);
                    var data = new Scalar[x.Length];
                    for (int i = 0; i < data.Length; i++) data[i] = ScalarSemantics.Cast(x[i], c.X.Type.Element, c.Result.Type.Element);
                    Define(c.Result, new Block(c.Result.Type, data));
                    break;
                }
                case LoadOp l:
                    Load(l);
                    break;
                case StoreOp s:
                    Store(s);
                    break;
                case DotOp d:
                    Dot(d);
                    break;
                case ReduceBlockOp r:
                    Reduce(r);
                    break;
                case ForOp f:
                    For(f);
                    break;
                default:
                    throw Invalid(op, $"the block interpreter does not know {op.GetType().Name}", ErrorCode.NotImplemented);
            }
        }

        private void Load(LoadOp l)
        {
            var mem = Param(l.Param, l);
            var shape = l.Result.Type.Shape;
            SameElement(l, mem.Param.Element, l.Result);
            var indices = Indices(l, mem, l.Indices, shape);
            var mask = l.Mask is null ? null : Mask(l, l.Mask, shape);
            var other = ScalarSemantics.Normalize(l.Other ?? default, l.Result.Type.Element);
            var data = new Scalar[ShapeMath.Size(shape.AsSpan())];
            for (int i = 0; i < data.Length; i++)
            {
                if (mask is not null && !mask[i].AsBool) { data[i] = other; continue; }
                int offset = Offset(l, mem, indices, i, "load " + l.Result + " from %" + l.Param);
                Race(mem, offset, l, "reads");
                data[i] = ScalarSemantics.Read(mem.Tensor, offset);
            }
            Define(l.Result, new Block(l.Result.Type, data));
        }

        private void Store(StoreOp s)
        {
            var mem = Param(s.Param, s);
            if (mem.Param.Role == ParamRole.Input)
                throw Invalid(s, $"store to input parameter %{s.Param}; only output and scratch parameters are written");
            SameElement(s, mem.Param.Element, s.Value);
            var shapes = s.Indices.Select(v => v.Type.Shape.ToArray()).Append(s.Value.Type.Shape.ToArray());
            if (s.Mask is not null) shapes = shapes.Append(s.Mask.Type.Shape.ToArray());
            int[] shape;
            try { shape = ShapeMath.Broadcast([.. shapes]); }
            catch (StrataException e) { throw Invalid(s, e.Message, ErrorCode.ShapeMismatch); }
            var target = ImmutableArray.Create(shape);
            var indices = Indices(s, mem, s.Indices, target);
            var value = Broadcast(Get(s.Value), target, s).Data;
            var mask = s.Mask is null ? null : Mask(s, s.Mask, target);
            for (int i = 0; i < value.Length; i++)
            {
                if (mask is not null && !mask[i].AsBool) continue;
                int offset = Offset(s, mem, indices, i, "store to %" + s.Param);
                Race(mem, offset, s, "writes");
                if (mem.WrittenBy is not null) mem.WrittenBy[offset] = _linear + 1;
                ScalarSemantics.Write(mem.Tensor, offset, value[i]);
            }
        }

        private Scalar[][] Indices(BlockOp op, Memory mem, ImmutableArray<BlockValue> indices, ImmutableArray<int> shape)
        {
            if (indices.Length != mem.Param.Rank)
                throw Invalid(op, $"%{mem.Param.Name} has rank {mem.Param.Rank} but {indices.Length} index blocks are given");
            var r = new Scalar[indices.Length][];
            for (int d = 0; d < indices.Length; d++)
            {
                if (ScalarSemantics.IsFloat(indices[d].Type.Element) || indices[d].Type.Element == DataType.Bool)
                    throw Invalid(op, $"index {indices[d]} of %{mem.Param.Name} must be an integer (index) block, not {indices[d].Type}", ErrorCode.TypeMismatch);
                r[d] = Broadcast(Get(indices[d]), shape, op).Data;
            }
            return r;
        }

        private Scalar[] Mask(BlockOp op, BlockValue mask, ImmutableArray<int> shape)
        {
            if (mask.Type.Element != DataType.Bool)
                throw Invalid(op, $"mask {mask} must be bool, not {mask.Type}", ErrorCode.TypeMismatch);
            return Broadcast(Get(mask), shape, op).Data;
        }

        private int Offset(BlockOp op, Memory mem, Scalar[][] indices, int lane, string what)
        {
            long offset = 0;
            var dims = mem.Tensor.Shape;
            for (int d = 0; d < indices.Length; d++)
            {
                long ix = indices[d][lane].I;
                if (ix < 0 || ix >= dims[d])
                {
                    var index = string.Join(", ", indices.Select(b => b[lane].I));
                    throw new StrataException(ErrorCode.IndexOutOfRange,
                        $"block kernel @{kernel.Name}: {what}: index [{index}] is out of range for shape {ShapeMath.Format(dims)} (dim {d}) in program ({string.Join(", ", pid)})",
                        "mask the lanes that overhang the tensor (load/store ... mask %m)", Where(kernel, pid));
                }
                offset += ix * mem.Strides[d];
            }
            return (int)offset;
        }

        private void Race(Memory mem, int offset, BlockOp op, string verb)
        {
            if (mem.WrittenBy is null) return;
            long writer = mem.WrittenBy[offset] - 1;
            if (writer < 0 || writer == _linear) return;
            var other = new long[pid.Length];
            for (int a = pid.Length - 1; a >= 0; a--) { other[a] = writer % kernel.Grid[a]; writer /= kernel.Grid[a]; }
            throw new StrataException(ErrorCode.EvaluationFailed,
                $"block kernel @{kernel.Name}: program ({string.Join(", ", pid)}) {verb} element {offset} of %{mem.Param.Name} written by program ({string.Join(", ", other)}) ({Describe(op)})",
                "program instances may run in any order or in parallel: an instance must only touch elements no other instance writes",
                Where(kernel, pid));
        }

        private void Dot(DotOp d)
        {
            var a = Get(d.A); var b = Get(d.B); var acc = Get(d.Accumulator);
            if (a.Type.Rank != 2 || b.Type.Rank != 2 || acc.Type.Rank != 2)
                throw Invalid(d, $"dot needs 2-D blocks, got {a.Type}, {b.Type}, {acc.Type}", ErrorCode.ShapeMismatch);
            int m = a.Type.Shape[0], k = a.Type.Shape[1], n = b.Type.Shape[1];
            if (b.Type.Shape[0] != k || acc.Type.Shape[0] != m || acc.Type.Shape[1] != n)
                throw Invalid(d, $"dot shapes do not agree: {a.Type} · {b.Type} + {acc.Type}", ErrorCode.ShapeMismatch);
            if (!d.Result.Type.Equals(acc.Type))
                throw Invalid(d, $"dot result {d.Result.Type} must have the accumulator's type {acc.Type}", ErrorCode.TypeMismatch);
            var t = acc.Type.Element;
            var ta = a.Type.Element; var tb = b.Type.Element;
            var ca = new Scalar[a.Data.Length];
            for (int i = 0; i < ca.Length; i++) ca[i] = ScalarSemantics.Cast(a.Data[i], ta, t);
            var cb = new Scalar[b.Data.Length];
            for (int i = 0; i < cb.Length; i++) cb[i] = ScalarSemantics.Cast(b.Data[i], tb, t);
            var data = new Scalar[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    var s = acc.Data[i * n + j];
                    for (int p = 0; p < k; p++)
                        s = ScalarSemantics.Binary(BinaryOp.Add, t, s, ScalarSemantics.Binary(BinaryOp.Mul, t, ca[i * k + p], cb[p * n + j]));
                    data[i * n + j] = s;
                }
            Define(d.Result, new Block(d.Result.Type, data));
        }

        private void Reduce(ReduceBlockOp r)
        {
            var x = Get(r.X);
            var shape = x.Type.Shape;
            if (r.Axis < 0 || r.Axis >= shape.Length)
                throw Invalid(r, $"reduce axis {r.Axis} is out of range for {x.Type}");
            var expected = shape.RemoveAt(r.Axis);
            bool arg = r.Op is ReduceOp.ArgMax or ReduceOp.ArgMin or ReduceOp.ArgMaxLast or ReduceOp.ArgMinLast;
            var t = x.Type.Element;
            if (!r.Result.Type.Shape.SequenceEqual(expected))
                throw Invalid(r, $"reducing {x.Type} over axis {r.Axis} gives shape {ShapeMath.Format(expected.AsSpan())}, not {r.Result.Type}", ErrorCode.ShapeMismatch);
            if (!arg) ExpectElement(r, r.Result, t);
            else if (ScalarSemantics.IsFloat(r.Result.Type.Element) || r.Result.Type.Element == DataType.Bool)
                throw Invalid(r, $"{r.Op.Name()} gives integer positions, not {r.Result.Type}", ErrorCode.TypeMismatch);
            int outer = 1, inner = 1, len = shape[r.Axis];
            for (int d = 0; d < r.Axis; d++) outer *= shape[d];
            for (int d = r.Axis + 1; d < shape.Length; d++) inner *= shape[d];
            var data = new Scalar[outer * inner];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int baseIndex = o * len * inner + i;
                    if (arg)
                    {
                        int best = 0;
                        for (int j = 1; j < len; j++)
                            if (ScalarSemantics.ArgReduceBetter(r.Op, t, x.Data[baseIndex + best * inner], x.Data[baseIndex + j * inner]))
                                best = j;
                        data[o * inner + i] = ScalarSemantics.Normalize(Scalar.Int(best), r.Result.Type.Element);
                    }
                    else
                    {
                        var acc = ScalarSemantics.ReduceInit(r.Op, t);
                        for (int j = 0; j < len; j++)
                            acc = ScalarSemantics.ReduceStep(r.Op, t, acc, x.Data[baseIndex + j * inner]);
                        data[o * inner + i] = acc;
                    }
                }
            Define(r.Result, new Block(r.Result.Type, data));
        }

        private void For(ForOp f)
        {
            if (f.Step <= 0) throw Invalid(f, $"for step must be a positive constant, not {f.Step}");
            int n = f.IterArgs.Length;
            if (f.Inits.Length != n || f.Yields.Length != n || f.LoopResults.Length != n)
                throw Invalid(f, $"for has {n} iter args, {f.Inits.Length} inits, {f.Yields.Length} yields and {f.LoopResults.Length} results; they must agree");
            long lower = ScalarOf(f.Lower, f).I, upper = ScalarOf(f.Upper, f).I;
            var carried = new Block[n];
            for (int j = 0; j < n; j++) carried[j] = Get(f.Inits[j]);
            for (long i = lower; i < upper; i += f.Step)
            {
                Define(f.InductionVar, Splat(f.InductionVar.Type, Scalar.Int(i)));
                for (int j = 0; j < n; j++) Define(f.IterArgs[j], Retype(carried[j], f.IterArgs[j], f));
                Run(f.Body);
                for (int j = 0; j < n; j++) carried[j] = Get(f.Yields[j]);
            }
            for (int j = 0; j < n; j++) Define(f.LoopResults[j], Retype(carried[j], f.LoopResults[j], f));
        }

        private Block Retype(Block b, BlockValue target, BlockOp op)
        {
            if (!b.Type.Equals(target.Type))
                throw Invalid(op, $"loop-carried value {target} is {target.Type} but receives a {b.Type}", ErrorCode.TypeMismatch);
            return b;
        }

        private Memory Param(string name, BlockOp op) => memory.TryGetValue(name, out var m) ? m
            : throw Invalid(op, $"%{name} is not a parameter of the kernel", ErrorCode.UndefinedValue);

        private Block Get(BlockValue v)
        {
            if (!_env.TryGetValue(v.Name, out var b))
                throw new StrataException(ErrorCode.UndefinedValue, $"block kernel @{kernel.Name}: {v} is used before it is defined",
                    "define every value before its use (verify the kernel)", Where(kernel, pid));
            if (!b.Type.Equals(v.Type))
                throw new StrataException(ErrorCode.TypeMismatch, $"block kernel @{kernel.Name}: {v} is used as {v.Type} but was defined as {b.Type}",
                    "use one type per value", Where(kernel, pid));
            return b;
        }

        private Scalar ScalarOf(BlockValue v, BlockOp op)
        {
            var b = Get(v);
            if (!b.Type.IsScalar) throw Invalid(op, $"{v} must be a scalar, not {v.Type}", ErrorCode.ShapeMismatch);
            return b.Data[0];
        }

        /// <summary>An operand broadcast to the result's shape.</summary>
        private Scalar[] Operand(BlockValue v, BlockValue result, BlockOp op) => Broadcast(Get(v), result.Type.Shape, op).Data;

        private void Define(BlockValue v, Block b) => _env[v.Name] = b;

        private static Block Splat(BlockType type, Scalar value)
        {
            var data = new Scalar[type.Size];
            Array.Fill(data, ScalarSemantics.Normalize(value, type.Element));
            return new Block(type, data);
        }

        private Block Broadcast(Block src, ImmutableArray<int> shape, BlockOp op)
        {
            if (src.Type.Shape.SequenceEqual(shape)) return src;
            var from = src.Type.Shape;
            bool ok = from.Length <= shape.Length;
            for (int i = 0; ok && i < from.Length; i++)
            {
                int f = from[i], t = shape[shape.Length - from.Length + i];
                ok = f == t || f == 1;
            }
            if (!ok) throw Invalid(op, $"cannot broadcast {src.Type} to shape {ShapeMath.Format(shape.AsSpan())}", ErrorCode.ShapeMismatch);
            var map = ShapeMath.BroadcastIndexMap(from.AsSpan(), shape.AsSpan());
            var data = new Scalar[map.Length];
            for (int i = 0; i < map.Length; i++) data[i] = src.Data[map[i]];
            return new Block(new BlockType(src.Type.Element, shape), data);
        }

        private void SameElement(BlockOp op, BlockValue from, BlockValue to)
        {
            if (from.Type.Element != to.Type.Element)
                throw Invalid(op, $"{to} is {to.Type} but {from} is {from.Type}: element types must agree (use cast)", ErrorCode.TypeMismatch);
        }

        private void SameElement(BlockOp op, DataType element, BlockValue value)
        {
            if (element != value.Type.Element)
                throw Invalid(op, $"{value} is {value.Type} but the parameter holds {element.ShortName()}", ErrorCode.TypeMismatch);
        }

        private void ExpectElement(BlockOp op, BlockValue result, DataType element)
        {
            if (result.Type.Element != element)
                throw Invalid(op, $"{result} must have element type {new BlockType(element, []).ToString()}, not {result.Type}", ErrorCode.TypeMismatch);
        }

        private StrataException Invalid(BlockOp op, string message, ErrorCode code = ErrorCode.InvalidIr) =>
            new(code, $"block kernel @{kernel.Name}: {Describe(op)}: {message}", "verify the kernel (BlockVerifier)", Where(kernel, pid));

        private static string Describe(BlockOp op) => op switch
        {
            StoreOp s => "store to %" + s.Param,
            LoadOp l => l.Result + " = load %" + l.Param,
            ForOp f => "for " + f.InductionVar,
            _ => string.Join(", ", op.Results) + " = " + op.GetType().Name,
        };
    }

    private static long Linear(ImmutableArray<long> grid, long[] pid)
    {
        long l = 0;
        for (int a = 0; a < grid.Length; a++) l = l * grid[a] + pid[a];
        return l;
    }

    private static string FormatShape(ImmutableArray<long> shape) => "[" + string.Join(",", shape) + "]";

    private static string Where(BlockKernel kernel) => $"block kernel @{kernel.Name}";

    private static string Where(BlockKernel kernel, long[] pid) => $"block kernel @{kernel.Name}, program ({string.Join(", ", pid)})";
}
