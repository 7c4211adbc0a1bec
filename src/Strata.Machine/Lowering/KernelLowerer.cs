using System.Collections.Immutable;
using Strata.Block;
using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Lowering;

/// <summary>Lowers one Block kernel for one target (see <see cref="BlockToMachine"/>): walks the Block ops in order;
/// scalars become registers, materialised blocks become loop nests writing local buffers, stores become loop nests
/// writing parameters, and inline blocks are recomputed element by element inside those nests.</summary>
internal sealed partial class KernelLowerer
{
    private readonly BlockKernel _kernel;
    private readonly Target _target;
    private readonly MachineLoweringOptions _options;
    private readonly ValuePlan _plan;
    private readonly MachineEmitter _e;
    private readonly Dictionary<string, Reg> _regs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LocalBuffer> _buffers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _paramStrides = new(StringComparer.Ordinal);

    /// <summary>Lanes of the loop nest being emitted (1: scalar code).</summary>
    private int _lanes = 1;

    /// <summary>In the last (partial) vector of a vectorised loop: how many lanes are real (accesses are count-limited).</summary>
    private Reg? _tailCount;

    private readonly Config _config;

    public KernelLowerer(BlockKernel kernel, Target target, MachineLoweringOptions options, Config config)
    {
        _config = config;
        _kernel = kernel;
        _target = target;
        _options = options;
        _plan = new ValuePlan(kernel, param => config[KnobNames.Pack(param)] == KnobNames.None, options.StackedRowsInPlace, options.ColumnMaskedBInPlace);
        _e = new MachineEmitter(kernel.Params.Select(p => p.Name));
        foreach (var p in kernel.Params)
        {
            var strides = new long[p.Rank];
            long s = 1;
            for (int d = p.Rank - 1; d >= 0; d--) { strides[d] = s; s *= p.Shape[d]; }
            _paramStrides[p.Name] = strides;
        }
    }

    public MachineKernel Lower()
    {
        PlanLocalScratch();
        LowerTop(_kernel.Body);
        var body = _e.Finish();
        return new MachineKernel(_kernel.Name, _target, _kernel.Params, _kernel.Grid, [.. _e.Buffers], body);
    }

    private void LowerOps(ImmutableArray<BlockOp> ops)
    {
        foreach (var op in ops) LowerOp(op);
    }

    private void LowerOp(BlockOp op)
    {
        switch (op)
        {
            case StoreOp s: if (!IsFusedStore(s)) LowerStore(s); return;
            case ForOp f:
                if (MatchTapNest(f) is { } nest) LowerTapNest(nest, f);
                else LowerFor(f);
                return;
            case DotOp d: LowerDot(d); return;
            case ReduceBlockOp r: LowerReduce(r); return;
        }
        foreach (var v in op.Results)
        {
            switch (_plan.Mode(v))
            {
                case ValueMode.Register: _regs[v.Name] = ScalarValue(op, v); break;
                case ValueMode.Materialised:
                    if (IsFusedMaterialised(v)) _buffers[v.Name] = _e.NewBuffer(v.Name, v.Type.Element, v.Type.Size); // written by its reduce
                    else if (PanelDot(v) is { } pd) MaterialisePanels(v, pd);
                    else Materialise(v);
                    break;
                case ValueMode.Inline: break; // computed where it is used
            }
        }
    }

    /// <summary>A scalar Block value: evaluated once, here, into a register named after it.</summary>
    private Reg ScalarValue(BlockOp op, BlockValue v)
    {
        var type = MType.Scalar(v.Type.Element);
        if (op is ProgramIdOp p)
        {
            var r = _e.NewReg(v.Name, MType.I64);
            _e.Emit(new ProgramIdStmt(r, p.Axis));
            return _e.Cast(r, type);
        }
        if (op is ConstantOp c) return _e.Const(c.Value, type);
        var saved = _lanes;
        _lanes = 1;
        var value = ElementOf(op, v, []);
        _lanes = saved;
        return value.Reg;
    }

    private MType TypeOf(DataType t, int lanes) => lanes == 1 ? MType.Scalar(t) : MType.Vector(t, lanes);

    private StrataException Unsupported(BlockOp op, string message) =>
        new(ErrorCode.NotImplemented, $"block kernel @{_kernel.Name}: {message}", "run this kernel at the Block level (it does not lower to Machine yet)",
            $"block kernel @{_kernel.Name}");
}
