using System.Text.RegularExpressions;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>RegexFullMatch: true where the whole string matches <c>pattern</c>. ONNX specifies RE2 syntax; we use
/// .NET regular expressions, which agree with RE2 on the common subset (classes, groups, alternation, anchors,
/// counted repetition). \w and \d are Unicode-aware in .NET, ASCII in RE2.</summary>
internal static class RegexFullMatchOp
{
    public static OpSchema Schema { get; } = new("", "RegexFullMatch", c => [new TensorType(DataType.Bool, c.InputTensor(0)?.Shape)], Evaluate);

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input<string>(0);
        string pattern = c.String("pattern", "");
        Regex regex;
        try { regex = new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.None); }
        catch (ArgumentException e)
        {
            throw c.Error(ErrorCode.InvalidAttribute, $"pattern '{pattern}' is not a valid regular expression: {e.Message}");
        }
        var result = new Tensor<bool>(x.Shape);
        var s = x.Span;
        var r = result.Span;
        for (int i = 0; i < s.Length; i++) r[i] = regex.IsMatch(s[i]);
        return [result];
    }
}
