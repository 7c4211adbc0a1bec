using Strata.Core;

namespace Strata.Graph;

/// <summary>Checks run-time inputs against a graph's declared input types and binds symbolic dims, so a
/// wrong dtype, rank or dim is reported by name before anything runs.</summary>
public static class InputBinding
{
    /// <summary>Validates <paramref name="inputs"/>; returns the symbol → size bindings it implies.</summary>
    public static IReadOnlyDictionary<string, long> Validate(Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs)
    {
        var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in inputs.Keys)
            if (!graph.Inputs.Any(i => i.Name == name) && !graph.Constants.Any(c => c.Name == name))
                throw new StrataException(ErrorCode.UnknownInput, $"the model has no input named '{name}'",
                    $"inputs are: {string.Join(", ", graph.Inputs.Select(i => i.Name))}");
        foreach (var input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out var value))
                throw new StrataException(ErrorCode.MissingInput, $"input '{input.Name}' ({input.Type?.ToString() ?? "?"}) was not given",
                    "pass a value for every model input (or --random-inputs SEED)");
            if (input.Type is TensorType declared && value is Tensor t)
                CheckTensor(input.Name, declared, t, symbols);
            else if (input.Type is TensorType && value is not Tensor)
                throw new StrataException(ErrorCode.InputTypeMismatch, $"input '{input.Name}' expects a tensor, got {value.Type}",
                    "pass a tensor");
        }
        return symbols;
    }

    private static void CheckTensor(string name, TensorType declared, Tensor t, Dictionary<string, long> symbols)
    {
        if (declared.ElementType != DataType.Undefined && declared.ElementType != t.DataType)
            throw new StrataException(ErrorCode.InputTypeMismatch,
                $"input '{name}' expects element type {declared.ElementType.ShortName()}, got {t.DataType.ShortName()}",
                $"convert the input data to {declared.ElementType.ShortName()}");
        if (declared.Shape is not { } shape) return;
        if (shape.Rank != t.Rank)
            throw new StrataException(ErrorCode.InputShapeMismatch,
                $"input '{name}' expects shape {shape} (rank {shape.Rank}), got {ShapeMath.Format(t.Shape)}",
                "give the input the model's rank");
        for (int i = 0; i < shape.Rank; i++)
        {
            var d = shape[i];
            if (d.Value is { } v && v != t.Shape[i])
                throw new StrataException(ErrorCode.InputShapeMismatch,
                    $"input '{name}' expects shape {shape}, got {ShapeMath.Format(t.Shape)} (dim {i} must be {v})",
                    "give the input the model's shape");
            if (d.Symbol is { } s)
            {
                if (symbols.TryGetValue(s, out var bound) && bound != t.Shape[i])
                    throw new StrataException(ErrorCode.InputShapeMismatch,
                        $"input '{name}' dim {i} ('{s}') is {t.Shape[i]}, but '{s}' is {bound} in another input",
                        $"use the same size for every dim named '{s}'");
                symbols[s] = t.Shape[i];
            }
        }
    }

    /// <summary>Replaces the graph inputs' declared types by the concrete types of <paramref name="inputs"/> and
    /// re-runs inference, specialising the graph to these shapes. Mutates <paramref name="graph"/>.</summary>
    public static void Specialize(Graph graph, IReadOnlyDictionary<string, RuntimeValue> inputs, OpRegistry? registry = null)
    {
        Validate(graph, inputs);
        foreach (var input in graph.Inputs)
            input.Type = inputs[input.Name].Type;
        new TypeInference(registry).Run(graph);
    }
}
