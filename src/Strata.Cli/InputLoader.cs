using System.Globalization;
using Strata.Core;

namespace Strata.Cli;

/// <summary>Builds the named inputs of a run from <c>--input NAME=FILE</c> (.npy or ONNX TensorProto .pb),
/// <c>--shape NAME=DIMS</c> and <c>--random-inputs SEED</c>.</summary>
public static class InputLoader
{
    public static Dictionary<string, RuntimeValue> Load(Graph.Graph graph, IEnumerable<string> inputSpecs,
        IEnumerable<string> shapeSpecs, int? randomSeed)
    {
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        foreach (var spec in inputSpecs)
        {
            var (name, file) = SplitSpec(spec, "--input", "NAME=FILE");
            var declared = graph.Inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new StrataException(ErrorCode.UnknownInput, $"the model has no input named '{name}'",
                    $"inputs are: {string.Join(", ", graph.Inputs.Select(i => i.Name))}");
            inputs[name] = ReadFile(file, declared.Type);
        }
        var shapes = shapeSpecs.Select(s => SplitSpec(s, "--shape", "NAME=D1,D2,...")).ToDictionary(
            p => p.Key, p => ParseDims(p.Value, p.Key), StringComparer.Ordinal);
        foreach (var name in shapes.Keys)
            if (graph.Inputs.All(i => i.Name != name))
                throw new StrataException(ErrorCode.UnknownInput, $"--shape names '{name}', which is not a model input",
                    $"inputs are: {string.Join(", ", graph.Inputs.Select(i => i.Name))}");
        if (randomSeed is { } seed)
        {
            var random = new Random(seed);
            var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var input in graph.Inputs)
            {
                if (inputs.ContainsKey(input.Name)) continue;
                if (input.Type is not TensorType tt)
                    throw new StrataException(ErrorCode.MissingInput, $"cannot make a random value for input '{input.Name}' of type {input.Type?.ToString() ?? "?"}",
                        "pass it with --input NAME=FILE");
                var dims = shapes.TryGetValue(input.Name, out var given) ? given : ConcreteDims(input.Name, tt, symbols);
                inputs[input.Name] = RandomTensor(tt.ElementType, dims, random);
            }
        }
        return inputs;
    }

    private static int[] ConcreteDims(string name, TensorType t, Dictionary<string, long> symbols)
    {
        if (t.Shape is null)
            throw new StrataException(ErrorCode.InputShapeMismatch, $"input '{name}' has unknown rank", $"give its shape with --shape {name}=D1,D2,...");
        return t.Shape.Dims.Select((d, i) => d.Value is { } v ? checked((int)v)
            : throw new StrataException(ErrorCode.InputShapeMismatch,
                $"input '{name}' dim {i} is {(d.IsSymbolic ? $"symbolic ('{d.Symbol}')" : "unknown")}",
                $"bind it with --shape {name}=D1,D2,...")).ToArray();
    }

    public static RuntimeValue ReadFile(string file, Core.ValueType? expected)
    {
        if (!File.Exists(file))
            throw new StrataException(ErrorCode.FileNotFound, $"input file '{file}' does not exist", "check the path");
        return Path.GetExtension(file).ToLowerInvariant() switch
        {
            ".npy" => NpyFormat.Read(file),
            ".pb" => Onnx.OnnxData.ReadValue(file, expected),
            _ => throw new StrataException(ErrorCode.InvalidInputFile, $"input file '{file}' is neither .npy nor .pb",
                "save inputs with numpy.save (.npy) or as an ONNX TensorProto (.pb)"),
        };
    }

    /// <summary>Uniform in [-1, 1) for floats, [0, 10) for integers, random for bool; deterministic per seed.</summary>
    public static Tensor RandomTensor(DataType type, int[] dims, Random random)
    {
        int n = ShapeMath.Size(dims);
        if (type == DataType.String)
            return new Tensor<string>(Enumerable.Range(0, n).Select(_ => random.Next(1000).ToString(CultureInfo.InvariantCulture)).ToArray(), dims);
        if (type == DataType.Bool)
            return new Tensor<bool>(Enumerable.Range(0, n).Select(_ => random.Next(2) == 1).ToArray(), dims);
        var values = new double[n];
        for (int i = 0; i < n; i++)
            values[i] = type.IsFloatingPoint() ? random.NextDouble() * 2 - 1 : random.Next(10);
        return TensorConvert.FromDoubles(type, values, dims);
    }

    private static (string Key, string Value) SplitSpec(string spec, string option, string form)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1)
            throw new StrataException(ErrorCode.InvalidArgument, $"{option} '{spec}' is not of the form {form}", $"write {option} {form}");
        return (spec[..eq], spec[(eq + 1)..]);
    }

    private static int[] ParseDims(string text, string name) =>
        text.Split(',', 'x').Select(d => int.TryParse(d.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
            : throw new StrataException(ErrorCode.InvalidArgument, $"--shape {name}={text}: '{d}' is not a dimension", "dims are non-negative integers separated by commas"))
            .ToArray();
}
