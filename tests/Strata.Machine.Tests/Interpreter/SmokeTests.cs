using Strata.Core;
using Strata.Tile;
using static Strata.Machine.Tests.Interpreter.MachineSketch;

namespace Strata.Machine.Tests.Interpreter;

public class SmokeTests
{
    /// <summary>out[i] = x[i] + y[i] for 13 elements, one instance per 8 lanes; the tail through count.</summary>
    [Fact]
    public void VectorAddWithCountedTail()
    {
        var p = R("p", "i64"); var c8 = R("c8", "i64"); var c13 = R("c13", "i64"); var ix = R("ix", "i64");
        var rest = R("rest", "i64"); var n = R("n", "i64"); var a = R("a", "v8f32"); var b = R("b", "v8f32"); var s = R("s", "v8f32");
        var k = Kernel([In("x", F32, 13), In("y", F32, 13), Out("out", F32, 13)], [2],
            new ProgramIdStmt(p, 0), Const(c8, 8), Const(c13, 13),
            new BinaryStmt(ix, BinaryOp.Mul, p, c8), new BinaryStmt(rest, BinaryOp.Sub, c13, ix), new BinaryStmt(n, BinaryOp.Min, rest, c8),
            new LoadStmt(a, "x", ix, Count: n), new LoadStmt(b, "y", ix, Count: n),
            new BinaryStmt(s, BinaryOp.Add, a, b), new StoreStmt("out", ix, s, Count: n));
        var x = Enumerable.Range(0, 13).Select(i => (float)i).ToArray();
        var y = Enumerable.Range(0, 13).Select(i => 0.5f * i).ToArray();
        Assert.Equal(x.Zip(y, (u, v) => u + v).ToArray(), Run1F(k, Floats(x), Floats(y)));
    }
}
