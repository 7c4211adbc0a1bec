using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>HannWindow, HammingWindow, BlackmanWindow: generalized cosine windows
/// w[n] = a0 - a1 cos(2πn/N) + a2 cos(4πn/N) for n in [0, size), with N = size (periodic, the default) or size - 1
/// (symmetric). Output type per <c>output_datatype</c> (default float).</summary>
internal static class WindowOps
{
    public static IEnumerable<OpSchema> Schemas()
    {
        yield return Window("HannWindow", 0.5, 0.5, 0);
        yield return Window("HammingWindow", 25.0 / 46.0, 21.0 / 46.0, 0);
        yield return Window("BlackmanWindow", 0.42, 0.5, 0.08);
    }

    private static OpSchema Window(string name, double a0, double a1, double a2) => new("", name,
        c =>
        {
            var dt = (DataType)c.Node.GetInt("output_datatype", (long)DataType.Float32);
            var size = c.ConstantInput(0) is { Length: 1 } s ? Dim.Of(TensorConvert.ToInt64s(s)[0]) : Dim.Unknown;
            return [new TensorType(dt, Shape.Of([size]))];
        },
        c =>
        {
            long size = Scalars.Int(c, c.Input(0), "size");
            if (size < 0) throw c.Error(ErrorCode.InvalidArgument, $"window size must be >= 0, got {size}");
            double period = c.Int("periodic", 1) != 0 ? size : size - 1;
            var w = new double[size];
            for (int n = 0; n < size; n++)
            {
                double phase = period == 0 ? 0 : 2 * Math.PI * n / period;
                w[n] = a0 - a1 * Math.Cos(phase) + a2 * Math.Cos(2 * phase);
            }
            var dt = (DataType)c.Int("output_datatype", (long)DataType.Float32);
            return [TensorConvert.FromDoubles(dt, w, [(int)size])];
        });
}
