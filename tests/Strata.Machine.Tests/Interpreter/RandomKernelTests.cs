using CsCheck;
using Strata.Block;
using Strata.Core;
using Strata.Machine.Text;
using Strata.Tile;

namespace Strata.Machine.Tests.Interpreter;

/// <summary>Properties over <see cref="RandomMachineKernels"/> (valid, in bounds, race free, buffers filled before
/// they are read): the interpreter accepts every kernel the verifier accepts, and the result does not depend on the
/// order of the program instances or on a print/parse round trip.</summary>
public class RandomKernelTests
{
    private static Tensor[] Arguments(MachineKernel k, int seed)
    {
        var r = new Random(seed);
        return [.. k.Params.Select(p =>
        {
            var t = TensorFactory.Create(p.Element, p.Shape.Select(d => (int)d).ToArray());
            if (p.Role == ParamRole.Input)
                for (int i = 0; i < t.Length; i++) ScalarSemantics.Write(t, i, RandomMachineKernels.Value(r, p.Element));
            return t;
        })];
    }

    private static string Run(MachineKernel k, int seed, MachineRunOptions options)
    {
        var args = Arguments(k, seed);
        MachineInterpreter.Run(k, args, options);
        // Bit patterns, so NaN = NaN and -0 != 0.
        return string.Join(";", args.Select(t => string.Join(",", Enumerable.Range(0, t.Length).Select(i =>
        {
            var s = ScalarSemantics.Read(t, i);
            return ScalarSemantics.IsFloat(t.DataType) ? BitConverter.DoubleToInt64Bits(s.F).ToString() : s.I.ToString();
        }))));
    }

    [Fact]
    public void RandomKernelsRunAndDoNotDependOnInstanceOrder()
    {
        Gen.Select(RandomMachineKernels.Gen(), Gen.Int).Sample(t =>
        {
            var (k, seed) = t;
            string rowMajor = Run(k, seed, MachineRunOptions.Default);
            for (int s = 0; s < 3; s++)
                Assert.Equal(rowMajor, Run(k, seed, new MachineRunOptions(ProgramOrder.Shuffled, seed + s)));
            Assert.Equal(rowMajor, Run(MachineParser.Parse(MachinePrinter.Print(k)), seed, MachineRunOptions.Default));
        }, iter: 150);
    }
}
