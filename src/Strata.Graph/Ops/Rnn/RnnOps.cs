using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Registers the recurrent-net ops: RNN, GRU, LSTM.</summary>
internal static class RnnOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(RnnOp.Schema);
        registry.AddOp(GruOp.Schema);
        registry.AddOp(LstmOp.Schema);
    }
}
