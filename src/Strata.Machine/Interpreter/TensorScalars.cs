using Strata.Core;
using Strata.Tile;

namespace Strata.Machine.Interpreting;

/// <summary>Copies a tensor into scalars and back, so that the interpreter's loads and stores are array accesses
/// instead of a type switch per element. The round trip is exact for every supported element type.</summary>
internal static class TensorScalars
{
    public static Scalar[] ToScalars(Tensor t)
    {
        var r = new Scalar[t.Length];
        switch (t)
        {
            case Tensor<float> x: { var s = x.Span; for (int i = 0; i < r.Length; i++) r[i] = Scalar.Float(s[i]); break; }
            case Tensor<double> x: { var s = x.Span; for (int i = 0; i < r.Length; i++) r[i] = Scalar.Float(s[i]); break; }
            case Tensor<int> x: { var s = x.Span; for (int i = 0; i < r.Length; i++) r[i] = Scalar.Int(s[i]); break; }
            case Tensor<long> x: { var s = x.Span; for (int i = 0; i < r.Length; i++) r[i] = Scalar.Int(s[i]); break; }
            default: for (int i = 0; i < r.Length; i++) r[i] = ScalarSemantics.Read(t, i); break;
        }
        return r;
    }

    public static void FromScalars(Scalar[] data, Tensor t)
    {
        switch (t)
        {
            case Tensor<float> x: { var s = x.Span; for (int i = 0; i < data.Length; i++) s[i] = (float)data[i].F; break; }
            case Tensor<double> x: { var s = x.Span; for (int i = 0; i < data.Length; i++) s[i] = data[i].F; break; }
            case Tensor<int> x: { var s = x.Span; for (int i = 0; i < data.Length; i++) s[i] = (int)data[i].I; break; }
            case Tensor<long> x: { var s = x.Span; for (int i = 0; i < data.Length; i++) s[i] = data[i].I; break; }
            default: for (int i = 0; i < data.Length; i++) ScalarSemantics.Write(t, i, data[i]); break;
        }
    }
}
