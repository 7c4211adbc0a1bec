using Strata.Core;
using Strata.Graph;

namespace SquarePlugin;

/// <summary>Registers <c>sample::Square</c> (y = x * x for float32), the way any outside op plugin would.</summary>
public sealed class SquarePlugin : IStrataPlugin
{
    public string Name => "sample.square";
    public Version ContractVersion => PluginContract.Version;

    public void Register(ExtensionRegistry registry) =>
        registry.AddOp(new OpSchema("sample", "Square", c => [Infer.SameAs(c, 0)], c =>
        {
            var x = c.Input<float>(0);
            var y = new Tensor<float>(x.Shape);
            var xs = x.Span;
            var ys = y.Span;
            for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] * xs[i];
            return [y];
        }));
}
