using Strata.Bench.Engines;

namespace Strata.Bench.Measuring;

/// <summary>Whether Strata's outputs agree with ONNX Runtime's. Per output: the largest absolute difference, and that
/// difference relative to the largest |ORT value| of the output (so elements near zero do not make a tiny error look
/// huge). They agree when every output has the same shape and a relative error ≤ <see cref="Tolerance"/>; a NaN on
/// one side only is a disagreement.</summary>
public sealed record OutputAgreement(bool Agree, double MaxAbsError, double MaxRelError, string? Problem)
{
    public const double Tolerance = 1e-3;

    public static OutputAgreement Compare(IReadOnlyList<OutputTensor> strata, IReadOnlyList<OutputTensor> ort)
    {
        if (strata.Count != ort.Count)
            return new(false, double.NaN, double.NaN, $"{strata.Count} outputs vs {ort.Count}");
        double maxAbs = 0, maxRel = 0;
        for (int o = 0; o < ort.Count; o++)
        {
            var (s, r) = (strata[o], ort[o]);
            if (!s.Shape.SequenceEqual(r.Shape))
                return new(false, double.NaN, double.NaN, $"output {o} shape [{string.Join(',', s.Shape)}] vs [{string.Join(',', r.Shape)}]");
            double abs = 0, scale = 0;
            for (int i = 0; i < r.Data.Length; i++)
            {
                double a = s.Data[i], b = r.Data[i];
                if (double.IsNaN(a) != double.IsNaN(b))
                    return new(false, double.NaN, double.NaN, $"output {o} element {i}: {a} vs {b}");
                if (double.IsNaN(a)) continue;
                abs = Math.Max(abs, Math.Abs(a - b));
                scale = Math.Max(scale, Math.Abs(b));
            }
            maxAbs = Math.Max(maxAbs, abs);
            maxRel = Math.Max(maxRel, scale > 0 ? abs / scale : abs);
        }
        return new(maxRel <= Tolerance, maxAbs, maxRel, maxRel <= Tolerance ? null : $"relative error {maxRel:G3} > {Tolerance:G1}");
    }
}
