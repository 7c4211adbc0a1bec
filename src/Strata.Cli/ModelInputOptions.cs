using System.CommandLine;
using Strata.Core;

namespace Strata.Cli;

/// <summary>The options that say what a model runs or compiles on: <c>--input NAME=FILE</c>, <c>--shape NAME=DIMS</c>
/// and <c>--random-inputs SEED</c> (shared by <c>compile</c> and <c>check</c>).</summary>
public sealed class ModelInputOptions
{
    public Option<string[]> Input { get; } = new("--input", "-i") { Description = "NAME=FILE (.npy or ONNX TensorProto .pb); repeatable" };

    public Option<string[]> Shape { get; } = new("--shape") { Description = "NAME=D1,D2,... binds an input's shape (for symbolic dims); repeatable" };

    public Option<int?> Random { get; } = new("--random-inputs") { Description = "Fill inputs not given with --input with random data from this seed" };

    public void AddTo(Command command)
    {
        command.Options.Add(Input);
        command.Options.Add(Shape);
        command.Options.Add(Random);
    }

    /// <summary>The inputs: files given with <c>--input</c>, and random values (from <c>--random-inputs</c>, or from
    /// <paramref name="defaultSeed"/> when it is not given) for the others, shaped by <c>--shape</c>.</summary>
    public Dictionary<string, RuntimeValue> Load(ParseResult parse, Graph.Graph graph, int? defaultSeed) =>
        InputLoader.Load(graph, parse.GetValue(Input) ?? [], parse.GetValue(Shape) ?? [], parse.GetValue(Random) ?? defaultSeed);
}
