namespace Strata.Bench.Workloads;

/// <summary>MatMul [M×K]·[K×N]: A is the graph input, B a constant weight (the inference case: weights are known
/// when the model is compiled). 2·M·N·K flops.</summary>
internal static class MatMulWorkloads
{
    public const double TargetRatio = 1.0;

    public static IEnumerable<Workload> All()
    {
        foreach (int n in new[] { 256, 512, 1024, 2048 })
            yield return MatMul($"matmul-{n}^3", n, n, n);
        yield return MatMul("matmul-128x768x3072", 128, 768, 3072);
        yield return MatMul("matmul-128x3072x768", 128, 3072, 768);
        yield return MatMul("matmul-1x768x768", 1, 768, 768);
    }

    /// <summary>[m×k]·[k×n].</summary>
    public static Workload MatMul(string name, int m, int k, int n) =>
        new(name, "matmul", 2.0 * m * n * k, TargetRatio, () =>
        {
            var b = new ModelBuild(name, seed: m * 7919 + k * 31 + n);
            var a = b.Input("a", m, k);
            var w = b.Weight("b", k, k, n);
            return b.Finish(b.Graph.MatMul(a, w));
        });
}
