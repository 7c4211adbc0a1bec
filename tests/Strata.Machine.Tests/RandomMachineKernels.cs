using System.Collections.Immutable;
using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Tests;

/// <summary>Random well-typed Machine kernels for property tests (deterministic from a seed). Every kernel passes
/// <see cref="Verification.MachineVerifier"/> and runs without out-of-bounds accesses or races between program
/// instances: indices are clamped into range with min/max (or masked with the comparisons that bound them, or
/// counted with <c>min(end - index, lanes)</c>, or lane-ranged with <c>from start - index</c> and such a count), inputs and local buffers are read, each instance writes only its
/// own slice <c>[pid·chunk, (pid+1)·chunk)</c> of every output and scratch parameter, and local buffers are filled
/// before anything reads them. Registers are reassigned (they are mutable) inside loops and ifs. Values include
/// inf, nan, -0 and integer extremes, so the kernels exercise ScalarSemantics' edge cases.</summary>
public static class RandomMachineKernels
{
    /// <summary>Kernels for <paramref name="target"/> (null: each kernel picks one of <see cref="Target.Known"/>).</summary>
    public static Gen<MachineKernel> Gen(Target? target = null, int statements = 40) =>
        CsCheck.Gen.Int.Select(seed => Kernel(new Random(seed), target, statements));

    public static MachineKernel Kernel(Random r, Target? target = null, int statements = 40) =>
        new Builder(r, target ?? Target.Known[r.Next(Target.Known.Count)], statements, wild: false).Build();

    /// <summary>Like <see cref="Kernel"/>, but about one access in four takes an unclamped index (a register plus a
    /// small constant) or an arbitrary count: such kernels may go out of bounds (for tests of bounds checks and of
    /// <see cref="Verification.BoundsAnalysis"/>'s soundness). Stores stay race free only when they are in bounds.</summary>
    public static MachineKernel WildKernel(Random r, Target? target = null, int statements = 40) =>
        new Builder(r, target ?? Target.Known[r.Next(Target.Known.Count)], statements, wild: true).Build();

    private static readonly DataType[] ScalarElements =
        [DataType.Float32, DataType.Float64, DataType.Float16, DataType.Int32, DataType.Int64, DataType.UInt8, DataType.Bool];

    private static readonly DataType[] VectorElements = [DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64];

    private static readonly DataType[] MemoryElements =
        [DataType.Float32, DataType.Float64, DataType.Float16, DataType.Int32, DataType.Int64, DataType.Bool];

    /// <summary>A random value of <paramref name="type"/>, often an awkward one.</summary>
    public static Scalar Value(Random r, DataType type)
    {
        if (type == DataType.Bool) return Scalar.Bool(r.Next(2) == 0);
        if (ScalarSemantics.IsFloat(type))
        {
            double v = r.Next(10) switch
            {
                0 => double.PositiveInfinity,
                1 => double.NegativeInfinity,
                2 => double.NaN,
                3 => -0.0,
                4 => r.NextDouble() * 1e-6,
                5 => (r.NextDouble() - 0.5) * 1e30,
                _ => Math.Round((r.NextDouble() - 0.5) * 100, r.Next(4)),
            };
            return ScalarSemantics.Normalize(Scalar.Float(v), type);
        }
        long l = r.Next(6) switch
        {
            0 => long.MaxValue,
            1 => long.MinValue,
            _ => r.NextInt64(-100, 100),
        };
        return ScalarSemantics.Normalize(Scalar.Int(l), type);
    }

    private sealed class Builder(Random r, Target target, int budget, bool wild)
    {
        private readonly List<BlockParam> _params = [];
        private readonly List<LocalBuffer> _buffers = [];
        private readonly List<long> _grid = [];
        private Dictionary<MType, List<Reg>> _avail = [];
        private readonly HashSet<string> _pinned = [];
        private readonly Stack<ImmutableArray<MStmt>.Builder> _blocks = new();
        private int _next;
        private int _budget = budget;
        private int _depth;
        private long _chunk;
        private Reg _base = null!;

        private ImmutableArray<MStmt>.Builder Out => _blocks.Peek();

        private List<MType> Types()
        {
            var types = ScalarElements.Select(MType.Scalar).ToList();
            foreach (var e in VectorElements)
                if (target.Lanes(e) > 1)
                {
                    types.Add(MType.Vector(e, target.Lanes(e)));
                    types.Add(MType.Vector(DataType.Bool, target.Lanes(e)));
                }
            return types;
        }

        public MachineKernel Build()
        {
            int rank = r.Next(3);
            for (int i = 0; i < rank; i++) _grid.Add(r.Next(1, 4));
            long programs = _grid.Aggregate(1L, (a, b) => a * b);
            _chunk = r.Next(1, 10);
            for (int i = 0, n = r.Next(1, 3); i < n; i++)
            {
                var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => (long)r.Next(1, 8)).ToImmutableArray();
                _params.Add(new BlockParam("in" + i, Pick(MemoryElements), shape, ParamRole.Input));
            }
            for (int i = 0, n = r.Next(1, 3); i < n; i++)
            {
                ImmutableArray<long> shape = r.Next(2) == 0 ? [programs * _chunk] : [programs, _chunk];
                _params.Add(new BlockParam(i == 0 ? "out" : "scr", Pick(MemoryElements), shape, i == 0 ? ParamRole.Output : ParamRole.Scratch));
            }
            for (int i = 0, n = r.Next(3); i < n; i++) _buffers.Add(new LocalBuffer("buf" + i, Pick(MemoryElements), r.Next(1, 21)));

            _blocks.Push(ImmutableArray.CreateBuilder<MStmt>());
            Prologue();
            while (_budget > 0) Statement();
            return new MachineKernel("k" + r.Next(1000), target, [.. _params], [.. _grid], [.. _buffers], Out.ToImmutable());
        }

        /// <summary>Program ids, the linear instance id times the chunk (this instance's slice), and filled buffers.</summary>
        private void Prologue()
        {
            var ids = new List<Reg>();
            for (int a = 0; a < _grid.Count; a++)
            {
                var p = Fresh(MType.I64);
                Out.Add(new ProgramIdStmt(p, a));
                ids.Add(p);
            }
            Reg pid = ids.Count == 0 ? Const(MType.I64, Scalar.Int(0)) : ids[0];
            for (int a = 1; a < ids.Count; a++)
                pid = Emit(MType.I64, t => new BinaryStmt(t, BinaryOp.Add, Emit(MType.I64, u => new BinaryStmt(u, BinaryOp.Mul, pid, I64(_grid[a]))), ids[a]));
            _base = Emit(MType.I64, t => new BinaryStmt(t, BinaryOp.Mul, pid, I64(_chunk)));
            _pinned.Add(_base.Name); // every store to a slice reads it: never reassigned
            foreach (var b in _buffers)
            {
                var value = Const(MType.Scalar(b.Element), Value(r, b.Element));
                var (lo, hi) = (I64(0), I64(b.Length));
                var i = new Reg("r" + _next++, MType.I64);
                Out.Add(new LoopStmt(i, lo, hi, 1, [new StoreStmt(b.Name, i, value)]));
            }
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[r.Next(items.Count)];

        private Reg Fresh(MType t)
        {
            var reg = new Reg("r" + _next++, t);
            if (!_avail.TryGetValue(t, out var list)) _avail[t] = list = [];
            list.Add(reg);
            return reg;
        }

        /// <summary>The register a new statement assigns: usually fresh, sometimes an existing one of the type.</summary>
        private Reg Dest(MType t)
        {
            if (r.Next(4) == 0 && _avail.TryGetValue(t, out var list))
            {
                var candidates = list.Where(x => !_pinned.Contains(x.Name)).ToList();
                if (candidates.Count > 0) return Pick(candidates);
            }
            return Fresh(t);
        }

        private Reg Emit(MType t, Func<Reg, MStmt> make)
        {
            var d = Fresh(t);
            Out.Add(make(d));
            return d;
        }

        private Reg Const(MType t, Scalar v) => Emit(t, d => new ConstStmt(d, v));

        private Reg I64(long v) => Const(MType.I64, Scalar.Int(v));

        /// <summary>An assigned register of type <paramref name="t"/> (a new constant if there is none).</summary>
        private Reg Any(MType t)
        {
            if (r.Next(5) != 0 && _avail.TryGetValue(t, out var list) && list.Count > 0) return Pick(list);
            return Const(t, Value(r, t.Element));
        }

        private void Statement()
        {
            _budget--;
            var types = Types();
            var t = Pick(types);
            switch (r.Next(16))
            {
                case 0:
                    Out.Add(new ConstStmt(Dest(t), Value(r, t.Element)));
                    break;
                case 1:
                {
                    var ops = Enum.GetValues<UnaryOp>().Where(o => ScalarSemantics.IsDefined(o, t.Element)).ToList();
                    var op = Pick(ops);
                    var x = Any(t);
                    Out.Add(new UnaryStmt(Dest(t.WithElement(ScalarSemantics.ResultType(op, t.Element))), op, x));
                    break;
                }
                case 2:
                case 3:
                {
                    // Not maxnative: its result on a NaN operand is unspecified, so a differential run cannot compare it
                    // bit for bit (Backends.Clr.Tests' MaxNativeTests check it against its definition).
                    var ops = Enum.GetValues<BinaryOp>().Where(o => ScalarSemantics.IsDefined(o, t.Element) && o != BinaryOp.MaxNative).ToList();
                    var op = Pick(ops);
                    var (a, b) = (Any(t), Any(t));
                    Out.Add(new BinaryStmt(Dest(t.WithElement(ScalarSemantics.ResultType(op, t.Element))), op, a, b));
                    break;
                }
                case 4:
                {
                    if (!ScalarSemantics.IsFloat(t.Element)) goto case 1;
                    var (a, b, c) = (Any(t), Any(t), Any(t));
                    Out.Add(new FmaStmt(Dest(t), a, b, c));
                    break;
                }
                case 5:
                {
                    var c = Any(new MType(DataType.Bool, t.Lanes));
                    var (a, b) = (Any(t), Any(t));
                    Out.Add(new SelectStmt(Dest(t), c, a, b));
                    break;
                }
                case 6:
                {
                    var to = Pick(types.Where(u => u.Lanes == t.Lanes).ToList());
                    var x = Any(t);
                    Out.Add(new CastStmt(Dest(to), x));
                    break;
                }
                case 7:
                {
                    var vectors = types.Where(u => u.IsVector).ToList();
                    if (vectors.Count == 0) goto case 9;
                    var v = Pick(vectors);
                    var s = Any(v.ScalarType);
                    Out.Add(new BroadcastStmt(Dest(v), s));
                    break;
                }
                case 8:
                {
                    var vectors = types.Where(u => u.IsVector && u.Element != DataType.Bool).ToList();
                    if (vectors.Count == 0) goto case 9;
                    var v = Pick(vectors);
                    var x = Any(v);
                    Out.Add(new ReduceLanesStmt(Dest(v.ScalarType), Pick(new[] { ReduceOp.Sum, ReduceOp.Prod, ReduceOp.Max, ReduceOp.Min }), x));
                    break;
                }
                case 9:
                {
                    var x = Any(t);
                    Out.Add(new MoveStmt(Dest(t), x));
                    break;
                }
                case 10:
                case 11:
                    Load();
                    break;
                case 12:
                case 13:
                    Store();
                    break;
                case 14:
                {
                    var mems = _params.Select(p => p.Name).Concat(_buffers.Select(b => b.Name)).ToList();
                    Out.Add(new PrefetchStmt(Pick(mems), Any(MType.I64)));
                    break;
                }
                default:
                    if (_depth >= 3 || _budget < 3) goto case 9;
                    if (r.Next(2) == 0) Loop(); else If();
                    break;
            }
        }

        private Reg Clamp(Reg x, long lo, long hi)
        {
            var a = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Max, x, I64(lo)));
            return Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Min, a, I64(hi)));
        }

        private (string Name, DataType Element, long Length) PickMemory(bool write)
        {
            var mems = write
                ? _params.Where(p => p.Role != ParamRole.Input).Select(p => (p.Name, p.Element, _chunk))
                    .Concat(_buffers.Select(b => (b.Name, b.Element, b.Length))).ToList()
                : _params.Where(p => p.Role == ParamRole.Input).Select(p => (p.Name, p.Element, p.Shape.Aggregate(1L, (a, b) => a * b)))
                    .Concat(_buffers.Select(b => (b.Name, b.Element, b.Length))).ToList();
            return Pick(mems);
        }

        /// <summary>An index (and, for vectors, maybe a count) of an access of <paramref name="lanes"/> elements that
        /// stays inside [base, base + span): base is this instance's slice start for outputs and scratch, else 0.</summary>
        private (Reg Index, Reg? Mask, Reg? From, Reg? Count) Access(bool sliced, long span, int lanes, bool vector)
        {
            var x = Any(MType.I64);
            if (wild && r.Next(4) == 0)
            {
                var offset = I64(r.Next(-3, (int)Math.Min(span, 30) + 3));
                var idx = new Reg("w" + _next++, MType.I64); // "w": an unclamped index, recognisable in tests
                Out.Add(new BinaryStmt(idx, BinaryOp.Add, x, offset));
                Reg? n = vector && r.Next(2) == 0 ? (r.Next(2) == 0 ? Any(MType.I64) : LoweringCount(idx, I64(span), lanes)) : null;
                Reg? f = vector && r.Next(3) == 0 ? (r.Next(2) == 0 ? Any(MType.I64) : Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Sub, I64(0), idx))) : null;
                return (idx, null, f, n);
            }
            Reg Based(Reg off) => sliced ? Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Add, _base, off)) : off;
            if (vector && r.Next(4) == 0)
            {
                // The lowering's padded access: an index that may start up to lanes - 1 before the memory (or slice),
                // limited to the lanes from (start - index), maybe later (a max with anything), and a tail count.
                var idx = Based(Clamp(x, 1 - lanes, span - 1));
                var start = sliced ? _base : I64(0);
                Reg from = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Sub, start, idx));
                if (r.Next(3) == 0)
                {
                    var other = Any(MType.I64);
                    from = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Max, from, other));
                }
                var end = sliced ? Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Add, _base, I64(span))) : I64(span);
                return (idx, null, from, LoweringCount(idx, end, lanes));
            }
            if (vector && (span < lanes || r.Next(3) == 0))
            {
                var idx = Based(Clamp(x, 0, span - 1));
                var end = sliced ? Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Add, _base, I64(span))) : I64(span);
                if (r.Next(2) == 0) return (idx, null, null, LoweringCount(idx, end, lanes));
                var rem = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Sub, end, idx));
                var count = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Min, rem, I64(lanes)));
                return (idx, null, null, count);
            }
            if (vector) return (Based(Clamp(x, 0, span - lanes)), null, null, null);
            if (r.Next(3) == 0)
            {
                // The Block lowering's pattern: an unclamped index with the mask that bounds it.
                var idx = Based(Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Mod, x, I64(2 * span + 1))));
                var lo = sliced ? _base : I64(0);
                var hi = sliced ? Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Add, _base, I64(span))) : I64(span);
                var ge = Emit(MType.Bool, d => new BinaryStmt(d, BinaryOp.Ge, idx, lo));
                var lt = Emit(MType.Bool, d => new BinaryStmt(d, BinaryOp.Lt, idx, hi));
                return (idx, Emit(MType.Bool, d => new BinaryStmt(d, BinaryOp.And, ge, lt)), null, null);
            }
            var clamped = Based(Clamp(x, 0, span - 1));
            return (clamped, r.Next(4) == 0 ? Any(MType.Bool) : null, null, null);
        }

        /// <summary>The Machine lowering's count: <c>min(select(%ok, lanes, 0), min(max(end - index, 0), lanes))</c>,
        /// with some bool %ok (the condition of another dimension).</summary>
        private Reg LoweringCount(Reg index, Reg end, int lanes)
        {
            var rem = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Sub, end, index));
            var pos = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Max, rem, I64(0)));
            var tail = Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Min, pos, I64(lanes)));
            var ok = Any(MType.Bool);
            var row = Emit(MType.I64, d => new SelectStmt(d, ok, I64(lanes), I64(0)));
            return Emit(MType.I64, d => new BinaryStmt(d, BinaryOp.Min, row, tail));
        }

        private void Load()
        {
            var (name, element, length) = PickMemory(write: false);
            int lanes = target.Lanes(element);
            bool vector = lanes > 1 && r.Next(2) == 0;
            var type = vector ? MType.Vector(element, lanes) : MType.Scalar(element);
            if (vector && r.Next(4) == 0 && length >= 2)
            {
                StridedLoad(type, name, length, lanes);
                return;
            }
            var (index, mask, from, count) = Access(sliced: false, length, lanes, vector);
            Scalar? other = (mask ?? count ?? from) is not null && r.Next(2) == 0 ? Value(r, element) : null;
            Out.Add(new LoadStmt(Dest(type), name, index, mask, count, other, from));
        }

        /// <summary>A load of lane stride 2..4 (lane l at index + l·s): all lanes with the index clamped so that the
        /// last one is inside, or the first k lanes (a count clamped into 0..k, maybe a from) with room for k; wild
        /// kernels also take an unclamped index with any count.</summary>
        private void StridedLoad(MType type, string name, long length, int lanes)
        {
            var (index, from, count, stride) = StridedAccess(length, lanes);
            Scalar? other = (count ?? from) is not null && r.Next(2) == 0 ? Value(r, type.Element) : null;
            Out.Add(new LoadStmt(Dest(type), name, index, null, count, other, from, stride));
        }

        /// <summary>The index, lane range and stride of a strided load or store (see <see cref="StridedLoad"/>).</summary>
        private (Reg Index, Reg? From, Reg? Count, long Stride) StridedAccess(long length, int lanes)
        {
            long stride = r.Next(2, 5);
            long k = Math.Min(lanes, (length - 1) / stride + 1);
            var x = Any(MType.I64);
            Reg index;
            Reg? from = null, count = null;
            if (wild && r.Next(3) == 0)
            {
                index = new Reg("w" + _next++, MType.I64);
                Out.Add(new BinaryStmt(index, BinaryOp.Add, x, I64(r.Next(-3, (int)Math.Min(length, 30) + 3))));
                if (r.Next(2) == 0) count = Any(MType.I64);
            }
            else if (k == lanes && r.Next(2) == 0) index = Clamp(x, 0, length - 1 - (lanes - 1) * stride);
            else
            {
                index = Clamp(x, 0, length - 1 - (k - 1) * stride);
                count = Clamp(Any(MType.I64), 0, k);
            }
            if (r.Next(3) == 0) from = Any(MType.I64);
            return (index, from, count, stride);
        }

        private void Store()
        {
            var (name, element, length) = PickMemory(write: true);
            bool sliced = _params.Any(p => p.Name == name);
            int lanes = target.Lanes(element);
            bool vector = lanes > 1 && r.Next(2) == 0;
            var type = vector ? MType.Vector(element, lanes) : MType.Scalar(element);
            var value = Any(type);
            // A strided store only to memory every program may write anywhere in (a sliced parameter's programs
            // each own a contiguous slice).
            if (vector && !sliced && r.Next(4) == 0 && length >= 2)
            {
                var (sIndex, sFrom, sCount, stride) = StridedAccess(length, lanes);
                Out.Add(new StoreStmt(name, sIndex, value, null, sCount, sFrom, stride));
                return;
            }
            var (index, mask, from, count) = Access(sliced, length, lanes, vector);
            Out.Add(new StoreStmt(name, index, value, mask, count, from));
        }

        private ImmutableArray<MStmt> Nested(int statements)
        {
            var saved = _avail.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
            _depth++;
            _blocks.Push(ImmutableArray.CreateBuilder<MStmt>());
            for (int i = 0; i < statements && _budget > 0; i++) Statement();
            var body = _blocks.Pop().ToImmutable();
            _depth--;
            _avail = saved;
            return body;
        }

        private void Loop()
        {
            long lo = r.Next(-2, 3), trips = r.Next(0, 4), step = r.Next(1, 4);
            var (lower, upper) = (I64(lo), I64(lo + trips * step - r.NextInt64(step)));
            var saved = _avail.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
            var v = Fresh(MType.I64);
            _pinned.Add(v.Name);
            var body = Nested(r.Next(1, 6));
            _pinned.Remove(v.Name);
            _avail = saved;
            Out.Add(new LoopStmt(v, lower, upper, step, body));
        }

        private void If()
        {
            var c = Any(MType.Bool);
            var then = Nested(r.Next(1, 5));
            var els = r.Next(2) == 0 ? ImmutableArray<MStmt>.Empty : Nested(r.Next(1, 4));
            Out.Add(new IfStmt(c, then, els));
        }
    }
}
