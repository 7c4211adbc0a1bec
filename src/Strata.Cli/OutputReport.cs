using System.Globalization;
using System.Text.RegularExpressions;
using Strata.Core;

namespace Strata.Cli;

/// <summary>Prints a one-line summary per output and writes <c>NAME.npy</c> files.</summary>
public static partial class OutputReport
{
    public static string Summarize(string name, RuntimeValue? value)
    {
        switch (value)
        {
            case null:
                return $"{name}: (none)";
            case Tensor t when t.DataType == DataType.String:
                return $"{name}: {t.DataType.ShortName()}{ShapeMath.Format(t.Shape)}";
            case Tensor t:
            {
                var xs = TensorConvert.ToDoubles(t);
                double sum = 0, abs = 0;
                foreach (var x in xs) { sum += x; abs += Math.Abs(x); }
                double meanAbs = xs.Length == 0 ? 0 : abs / xs.Length;
                return string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {t.DataType.ShortName()}{ShapeMath.Format(t.Shape)} sum={sum:G6} mean|x|={meanAbs:G6}");
            }
            case TensorSequence s:
                return $"{name}: {s.Type} with {s.Count} items";
            case OptionalValue o:
                return o.HasValue ? Summarize(name, o.Value) + " (optional)" : $"{name}: {o.Type} (empty)";
            default:
                return $"{name}: {value.Type}";
        }
    }

    /// <summary>A file name for an output: characters outside <c>[A-Za-z0-9._-]</c> become <c>_</c>.</summary>
    public static string FileNameFor(string outputName) => UnsafeChars().Replace(outputName, "_") + ".npy";

    public static void Write(string directory, string name, RuntimeValue? value)
    {
        Directory.CreateDirectory(directory);
        if (value is OptionalValue { Value: var inner }) value = inner;
        if (value is Tensor t) NpyFormat.Write(t, Path.Combine(directory, FileNameFor(name)));
        else if (value is TensorSequence s)
            for (int i = 0; i < s.Count; i++)
                if (s.Items[i] is Tensor item) NpyFormat.Write(item, Path.Combine(directory, FileNameFor($"{name}_{i}")));
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeChars();
}
