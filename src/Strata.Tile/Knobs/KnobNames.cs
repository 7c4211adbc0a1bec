namespace Strata.Tile;

/// <summary>The names of a Tile kernel's knobs and the spelling of list values in a <see cref="Config"/>.</summary>
public static class KnobNames
{
    /// <summary><c>block.m</c>: the block size of axis class <c>m</c> (elements per program instance or loop step).</summary>
    public static string Block(string axisClass) => "block." + axisClass;

    /// <summary><c>parallel = m*n</c>: the axis classes spread over program instances (grid axes in this order), or <c>none</c>.</summary>
    public const string Parallel = "parallel";

    /// <summary><c>order = n-m</c>: loop order (outermost first) of the output axis classes that are not parallel, or <c>none</c>.</summary>
    public const string Order = "order";

    /// <summary><c>vector = n</c>: the axis class to vectorise (used by the Machine level).</summary>
    public const string Vector = "vector";

    /// <summary><c>unroll = 2</c>: unroll factor of the innermost loop (used by the Machine level).</summary>
    public const string Unroll = "unroll";

    /// <summary><c>split.k = 2</c>: the loop over blocks of reduction axis <c>k</c> is split into this many consecutive
    /// chunks, each reduced into its own accumulator and then combined (split-K).</summary>
    public static string Split(string reduceAxis) => "split." + reduceAxis;

    /// <summary><c>pack.w = panels</c>: re-layout contraction input <c>w</c> into panels (used by the Machine level).</summary>
    public static string Pack(string input) => "pack." + input;

    public const string None = "none";
    public const string Panels = "panels";

    /// <summary>Separator of the classes in a <c>parallel</c> value.</summary>
    public const char ParallelSeparator = '*';

    /// <summary>Separator of the classes in an <c>order</c> value.</summary>
    public const char OrderSeparator = '-';

    public static string JoinParallel(IEnumerable<string> classes) => JoinOr(classes, ParallelSeparator);
    public static string JoinOrder(IEnumerable<string> classes) => JoinOr(classes, OrderSeparator);

    public static string[] SplitList(string value, char separator) =>
        value == None ? [] : value.Split(separator);

    private static string JoinOr(IEnumerable<string> items, char sep)
    {
        var s = string.Join(sep, items);
        return s.Length == 0 ? None : s;
    }
}
