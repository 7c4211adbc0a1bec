namespace Strata.Tile.Passes;

/// <summary>One step of the Tile pipeline: a named, semantics-preserving <c>TileKernel → TileKernel</c> function
/// (Halide's lowering passes). A pass keeps the kernel's name and its output buffers (names, types, shapes); it may
/// drop inputs the kernel no longer reads (the program's steps are re-bound by buffer name).</summary>
public interface ITilePass
{
    /// <summary>Shown in logs, dumps and verifier errors ("after UnifyAxes: …").</summary>
    string Name { get; }

    TileKernel Run(TileKernel kernel);
}

/// <summary>A level-0 step of the Tile compiler that runs before fusion: a named <c>Graph → Graph</c> function
/// (it may change the graph in place and return it).</summary>
public interface IGraphPass
{
    string Name { get; }

    Graph.Graph Run(Graph.Graph graph);
}
