using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Logical ops on bool tensors (And Or Xor with broadcasting, Not) and Where(cond, X, Y), which selects
/// with three-way broadcasting for any element type.</summary>
internal static class LogicalOps
{
    public static void Register(ExtensionRegistry registry)
    {
        AddLogical(registry, "And", new AndFunc());
        AddLogical(registry, "Or", new OrFunc());
        AddLogical(registry, "Xor", new XorFunc());
        registry.AddOp(OpSchema.Unary("Not", c => Infer.SameAs(c, 0),
            c => ElementwiseKernels.Map<bool, bool, NotFunc>(Bool(c, 0), default)));
        registry.AddOp(OpSchema.Unary("Where", InferWhere, Where));
    }

    private static void AddLogical<TOp>(ExtensionRegistry registry, string name, TOp op) where TOp : struct, IBinaryFunc<bool, bool, bool> =>
        registry.AddOp(OpSchema.Unary(name, c => ElementwiseOps.InferBinary(c, DataType.Bool),
            c => ElementwiseKernels.Binary<bool, bool, bool, TOp>(Bool(c, 0), Bool(c, 1), op)));

    private static Tensor<bool> Bool(OpContext c, int i)
    {
        var t = i == 1 ? ElementwiseOps.RightOperand(c) : c.Input(i);
        return t as Tensor<bool> ?? throw c.Error(ErrorCode.TypeMismatch,
            $"input {i} has element type {t.DataType.ShortName()}, expected bool", "cast the input to bool");
    }

    private static Core.ValueType? InferWhere(InferenceContext c)
    {
        var et = c.InputElementType(1) ?? c.InputElementType(2);
        return et is null ? null : Infer.Broadcast(c, et);
    }

    private static Tensor Where(OpContext c)
    {
        var (x, y) = (c.Input(1), c.Input(2));
        ElementwiseKernels.RequireSameType(x, y);
        return ElementDispatch.Invoke<WhereFunc, Tensor>(x.DataType, new WhereFunc(Bool(c, 0), x, y));
    }

    private readonly struct WhereFunc(Tensor<bool> cond, Tensor x, Tensor y) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>() => ElementwiseKernels.Ternary<bool, T, T, T, SelectFunc<T>>(cond, (Tensor<T>)x, (Tensor<T>)y, default);
    }

    private readonly struct SelectFunc<T> : ITernaryFunc<bool, T, T, T>
    {
        public T Apply(bool c, T x, T y) => c ? x : y;
    }

    private readonly struct AndFunc : IBinaryFunc<bool, bool, bool>
    {
        public bool Apply(bool a, bool b) => a & b;
    }

    private readonly struct OrFunc : IBinaryFunc<bool, bool, bool>
    {
        public bool Apply(bool a, bool b) => a | b;
    }

    private readonly struct XorFunc : IBinaryFunc<bool, bool, bool>
    {
        public bool Apply(bool a, bool b) => a ^ b;
    }

    private readonly struct NotFunc : IUnaryFunc<bool, bool>
    {
        public bool Apply(bool x) => !x;
    }
}
