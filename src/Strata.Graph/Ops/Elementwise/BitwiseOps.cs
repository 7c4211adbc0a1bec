using System.Numerics;
using System.Runtime.CompilerServices;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Bitwise ops on integer types: BitwiseAnd BitwiseOr BitwiseXor (broadcasting), BitwiseNot, and
/// BitShift (direction LEFT or RIGHT; shifting by the bit width or more gives 0).</summary>
internal static class BitwiseOps
{
    public static void Register(ExtensionRegistry registry)
    {
        AddBinary(registry, "BitwiseAnd", _ => new AndFunc());
        AddBinary(registry, "BitwiseOr", _ => new OrFunc());
        AddBinary(registry, "BitwiseXor", _ => new XorFunc());
        AddBinary(registry, "BitShift", c => c.String("direction", "") switch
        {
            "LEFT" => new ShiftFunc(left: true),
            "RIGHT" => new ShiftFunc(left: false),
            var d => throw c.Error(ErrorCode.InvalidAttribute, $"BitShift direction '{d}' is not LEFT or RIGHT",
                "set the attribute direction to \"LEFT\" or \"RIGHT\""),
        });
        registry.AddOp(OpSchema.Unary("BitwiseNot", c => Infer.SameAs(c, 0),
            c => ElementwiseKernels.MapInteger(c.Input(0), new NotFunc())));
    }

    private static void AddBinary<TOp>(ExtensionRegistry registry, string name, Func<OpContext, TOp> make) where TOp : struct, IIntegerBinaryFunc =>
        registry.AddOp(OpSchema.Unary(name, c => Infer.Broadcast(c),
            c => ElementwiseKernels.BinaryInteger(c.Input(0), c.Input(1), make(c))));

    private readonly struct AndFunc : IIntegerBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, IBinaryInteger<T> => a & b;
    }

    private readonly struct OrFunc : IIntegerBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, IBinaryInteger<T> => a | b;
    }

    private readonly struct XorFunc : IIntegerBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, IBinaryInteger<T> => a ^ b;
    }

    private readonly struct NotFunc : IIntegerUnaryFunc
    {
        public T Apply<T>(T x) where T : unmanaged, IBinaryInteger<T> => ~x;
    }

    private readonly struct ShiftFunc(bool left) : IIntegerBinaryFunc
    {
        public T Apply<T>(T a, T b) where T : unmanaged, IBinaryInteger<T>
        {
            int bits = Unsafe.SizeOf<T>() * 8;
            if (T.IsNegative(b) || b >= T.CreateTruncating(bits)) return T.Zero;
            int n = int.CreateTruncating(b);
            return left ? a << n : a >> n;
        }
    }
}
