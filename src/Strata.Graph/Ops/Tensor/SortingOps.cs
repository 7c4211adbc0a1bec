using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Ops that order elements: TopK (ties go to the lower index) and Unique (numpy's unique, with first
/// occurrences, inverse indices and counts).</summary>
internal static class SortingOps
{
    public static void Register(ExtensionRegistry registry)
    {
        registry.AddOp(new OpSchema("", "TopK", InferTopK, TopK));
        registry.AddOp(new OpSchema("", "Unique", InferUnique, Unique));
    }

    private static RuntimeValue?[] TopK(OpContext c)
    {
        var x = c.Input(0);
        long k = c.Opset >= 10 ? TensorArgs.Ints(c.Input(1))[0] : c.Int("k", 0);
        if (x.Rank == 0) throw c.Error(ErrorCode.InvalidShape, "TopK needs an input of rank >= 1");
        int axis = ShapeMath.NormalizeAxis(c.Int("axis", -1), x.Rank);
        int dim = x.Shape[axis];
        if (k < 0 || k > dim) throw c.Error(ErrorCode.InvalidArgument, $"k = {k} is outside [0, {dim}] for axis {axis} of {ShapeMath.Format(x.Shape)}");
        bool largest = c.Opset < 11 || c.Int("largest", 1) != 0;
        // The result is always sorted (sorted=0 allows any order).
        var picked = ElementDispatch.Invoke<TopKFunc, int[]>(x.DataType, new TopKFunc(x, axis, (int)k, largest));
        int inner = ShapeMath.Size(x.Shape.AsSpan(axis + 1));
        var shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        var map = new int[picked.Length];
        var indices = new long[picked.Length];
        for (int f = 0; f < map.Length; f++)
        {
            int o = f / inner / (int)k, t = f % inner;
            indices[f] = picked[f];
            map[f] = (o * dim + picked[f]) * inner + t;
        }
        return [TensorCopy.Take(x, map, shape), new Tensor<long>(indices, shape)];
    }

    /// <summary>For each output position of TopK, the index along the axis it takes.</summary>
    private readonly struct TopKFunc(Tensor x, int axis, int k, bool largest) : IElementFunc<int[]>
    {
        public int[] Invoke<T>()
        {
            var cmp = ElementOrder<T>.Comparer;
            var s = x.As<T>().Span;
            int dim = x.Shape[axis];
            int outer = ShapeMath.Size(x.Shape.AsSpan(0, axis)), inner = ShapeMath.Size(x.Shape.AsSpan(axis + 1));
            var result = new int[outer * k * inner];
            var values = new T[dim];
            var order = new int[dim];
            bool desc = largest;
            Comparison<int> byValue = (a, b) =>
            {
                int r = cmp.Compare(values[a], values[b]);
                return r != 0 ? (desc ? -r : r) : a.CompareTo(b);
            };
            for (int o = 0; o < outer; o++)
                for (int t = 0; t < inner; t++)
                {
                    for (int i = 0; i < dim; i++) { values[i] = s[(o * dim + i) * inner + t]; order[i] = i; }
                    Array.Sort(order, byValue);
                    for (int j = 0; j < k; j++) result[(o * k + j) * inner + t] = order[j];
                }
            return result;
        }
    }

    private static Core.ValueType?[] InferTopK(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return [null, null];
        if (TensorArgs.StaticShape(c, 0) is not { } s || s.Rank == 0) return [new TensorType(et, null), new TensorType(DataType.Int64, null)];
        int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", -1), s.Rank);
        var dims = s.Dims.ToArray();
        long? k = c.Opset >= 10 ? TensorArgs.ConstInts(c, 1)?[0] : c.Node.GetInt("k", 0);
        dims[axis] = k is { } kv ? Dim.Of(kv) : Dim.Unknown;
        return [new TensorType(et, Shape.Of(dims)), new TensorType(DataType.Int64, Shape.Of(dims))];
    }

    /// <summary>Unique over the flattened input, or over slices along <c>axis</c> (compared element by element).
    /// Outputs: unique values (sorted, or in order of first occurrence), first-occurrence indices, the inverse
    /// index of every input item, and counts.</summary>
    private static RuntimeValue?[] Unique(OpContext c)
    {
        var x = c.Input(0);
        bool sorted = c.Int("sorted", 1) != 0;
        bool hasAxis = c.HasAttr("axis");
        int axis = hasAxis ? ShapeMath.NormalizeAxis(c.Int("axis", 0), x.Rank) : 0;
        int[] shape = hasAxis ? x.Shape : [x.Length];
        int n = shape[axis];
        var (order, newGroup) = ElementDispatch.Invoke<UniqueFunc, (int[], bool[])>(x.DataType, new UniqueFunc(x, shape, axis));

        // Groups in sorted order; the first member of each is its first occurrence (ties sort by index).
        var firsts = new List<int>();
        var groupOfSorted = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (newGroup[i]) firsts.Add(order[i]);
            groupOfSorted[i] = firsts.Count - 1;
        }
        int g = firsts.Count;
        var rank = Enumerable.Range(0, g).ToArray();
        if (!sorted) Array.Sort(firsts.ToArray(), rank);
        // rank[j] = the sorted-group id placed at output position j; invert it.
        var position = new int[g];
        for (int j = 0; j < g; j++) position[rank[j]] = j;

        var indices = new long[g];
        var counts = new long[g];
        var inverse = new long[n];
        for (int i = 0; i < n; i++)
        {
            int p = position[groupOfSorted[i]];
            inverse[order[i]] = p;
            counts[p]++;
        }
        for (int j = 0; j < g; j++) indices[j] = firsts[rank[j]];

        var tables = shape.Select(TensorCopy.Iota).ToArray();
        tables[axis] = indices.Select(i => (int)i).ToArray();
        var y = TensorCopy.Take(x, TensorCopy.AxisMap(tables, shape), tables.Select(t => t.Length).ToArray());
        return [y, new Tensor<long>(indices, [g]), new Tensor<long>(inverse, [n]), new Tensor<long>(counts, [g])];
    }

    /// <summary>Sorts the items (elements, or slices along the axis) by value then index; marks where a new value starts.</summary>
    private readonly struct UniqueFunc(Tensor x, int[] shape, int axis) : IElementFunc<(int[], bool[])>
    {
        public (int[], bool[]) Invoke<T>()
        {
            var cmp = ElementOrder<T>.Comparer;
            var data = x.As<T>().ToArray();
            int n = shape[axis];
            int outer = ShapeMath.Size(shape.AsSpan(0, axis)), inner = ShapeMath.Size(shape.AsSpan(axis + 1));
            int Compare(int a, int b)
            {
                for (int o = 0; o < outer; o++)
                    for (int t = 0; t < inner; t++)
                    {
                        int r = cmp.Compare(data[(o * n + a) * inner + t], data[(o * n + b) * inner + t]);
                        if (r != 0) return r;
                    }
                return 0;
            }
            var order = TensorCopy.Iota(n);
            Array.Sort(order, (a, b) => Compare(a, b) is var r && r != 0 ? r : a.CompareTo(b));
            var newGroup = new bool[n];
            for (int i = 0; i < n; i++) newGroup[i] = i == 0 || Compare(order[i - 1], order[i]) != 0;
            return (order, newGroup);
        }
    }

    private static Core.ValueType?[] InferUnique(InferenceContext c)
    {
        var list = new TensorType(DataType.Int64, Shape.Of([Dim.Unknown]));
        if (c.InputElementType(0) is not { } et) return [null, list, null, list];
        var s = TensorArgs.StaticShape(c, 0);
        TensorType y, inverse;
        if (!c.Node.Attributes.ContainsKey("axis"))
        {
            y = new TensorType(et, Shape.Of([Dim.Unknown]));
            inverse = new TensorType(DataType.Int64, Shape.Of([s is null ? Dim.Unknown : TensorArgs.Product(s.Dims)]));
        }
        else if (s is null) { y = new TensorType(et, null); inverse = list; }
        else
        {
            int axis = ShapeMath.NormalizeAxis(c.Node.GetInt("axis", 0), s.Rank);
            var dims = s.Dims.ToArray();
            dims[axis] = Dim.Unknown;
            y = new TensorType(et, Shape.Of(dims));
            inverse = new TensorType(DataType.Int64, Shape.Of([s[axis]]));
        }
        return [y, list, inverse, list];
    }
}

/// <summary>A total order on the elements of any sortable element type: ordinal for strings, numeric for the rest,
/// with NaN after every number (as numpy sorts).</summary>
internal static class ElementOrder<T>
{
    public static readonly IComparer<T> Comparer = Create();

    private static IComparer<T> Create()
    {
        object c = typeof(T) == typeof(string) ? StringComparer.Ordinal
            : typeof(T) == typeof(float) ? Comparer<float>.Create((a, b) => CompareNaNLast(a, b))
            : typeof(T) == typeof(double) ? Comparer<double>.Create(CompareNaNLast)
            : typeof(T) == typeof(Half) ? Comparer<Half>.Create((a, b) => CompareNaNLast((double)a, (double)b))
            : typeof(T) == typeof(BFloat16) ? Comparer<BFloat16>.Create((a, b) => CompareNaNLast((float)a, (float)b))
            : typeof(IComparable<T>).IsAssignableFrom(typeof(T)) ? Comparer<T>.Default
            : Comparer<T>.Create((_, _) => throw new StrataException(ErrorCode.UnsupportedDataType,
                $"elements of type {DataTypes.FromClr(typeof(T)).ShortName()} cannot be ordered here", "cast to float first"));
        return (IComparer<T>)c;
    }

    private static int CompareNaNLast(double a, double b) =>
        double.IsNaN(a) ? (double.IsNaN(b) ? 0 : 1) : double.IsNaN(b) ? -1 : a.CompareTo(b);
}
