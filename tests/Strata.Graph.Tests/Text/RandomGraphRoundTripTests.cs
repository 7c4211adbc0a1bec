using CsCheck;
using Strata.Core;
using Strata.Graph.Builder;
using Strata.Graph.Text;

namespace Strata.Graph.Tests.Text;

/// <summary>Property: for random builder-made graphs (random types, names, constants of every element type with
/// random bits, attributes of every kind, nested subgraphs), <c>Print(Parse(Print(g))) == Print(g)</c>.</summary>
public sealed class RandomGraphRoundTripTests
{
    [Fact]
    public void RandomBuilderGraphsRoundTrip()
    {
        Gen.Int.Sample(seed =>
        {
            var g = RandomGraph(new Random(seed));
            string text = GraphPrinter.Print(g);
            string again = GraphPrinter.Print(GraphParser.Parse(text));
            Assert.True(text == again, $"seed {seed}:\n{Golden.Diff(text, again)}");
        }, iter: 300, threads: 1);
    }

    private static readonly DataType[] ElementTypes =
    [
        DataType.Float32, DataType.Float64, DataType.Float16, DataType.BFloat16, DataType.Int8, DataType.Int16,
        DataType.Int32, DataType.Int64, DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64,
        DataType.Bool, DataType.String, DataType.Float8E4M3FN, DataType.Float8E5M2FNUZ, DataType.Float8E8M0,
        DataType.Float4E2M1, DataType.Int4, DataType.UInt4, DataType.Int2, DataType.UInt2,
    ];

    private const string NameChars = "abcXYZ019_.-/: \"\\é∑\n";

    private static string RandomName(Random r)
    {
        int n = 1 + r.Next(6);
        var cs = new char[n];
        for (int i = 0; i < n; i++) cs[i] = NameChars[r.Next(NameChars.Length)];
        return new string(cs);
    }

    private static string UniqueName(Random r, HashSet<string> used)
    {
        while (true)
        {
            string n = RandomName(r);
            if (used.Add(n)) return n;
        }
    }

    private static Dim RandomDim(Random r) => r.Next(4) switch
    {
        0 => Dim.Unknown,
        1 => Dim.Sym(RandomName(r)),
        _ => Dim.Of(r.Next(5)),
    };

    private static Core.ValueType? RandomType(Random r, int depth = 0) => r.Next(depth > 1 ? 6 : 9) switch
    {
        0 => null,
        1 => new TensorType(ElementTypes[r.Next(ElementTypes.Length)], null),
        2 => new TensorType(DataType.Undefined, Shape.Of(Enumerable.Range(0, r.Next(3)).Select(_ => RandomDim(r)))),
        6 => new SequenceType(RandomType(r, depth + 1)!),
        7 => new OptionalType(RandomType(r, depth + 1)!),
        8 => new SequenceType(new OptionalType(RandomType(r, depth + 2)!)),
        _ => new TensorType(ElementTypes[r.Next(ElementTypes.Length)], Shape.Of(Enumerable.Range(0, r.Next(4)).Select(_ => RandomDim(r)))),
    };

    private static Tensor RandomTensor(Random r)
    {
        var type = ElementTypes[r.Next(ElementTypes.Length)];
        var shape = Enumerable.Range(0, r.Next(3)).Select(_ => r.Next(4)).ToArray();
        if (type == DataType.String)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            return new Tensor<string>(Enumerable.Range(0, n).Select(_ => RandomName(r)).ToArray(), shape);
        }
        int count = shape.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[count * TensorText.ElementBytes(type)];
        r.NextBytes(bytes);
        if (type == DataType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        return TensorText.FromBytes(type, shape, bytes);
    }

    private static float RandomFloat(Random r) => r.Next(3) switch
    {
        0 => BitConverter.UInt32BitsToSingle((uint)r.NextInt64(0, 1L << 32)),
        1 => r.Next(-5, 5),
        _ => (float)(r.NextDouble() * 1000 - 500),
    };

    private static Attribute RandomAttribute(Random r, string name, GraphBuilder g, List<Var> vars, int depth) =>
        r.Next(depth > 1 ? 11 : 12) switch
        {
            0 => Attribute.Of(name, r.NextInt64(long.MinValue, long.MaxValue)),
            1 => Attribute.Of(name, RandomFloat(r)),
            2 => Attribute.Of(name, RandomName(r)),
            3 => Attribute.Of(name, Enumerable.Range(0, r.Next(4)).Select(_ => r.NextInt64(-100, 100)).ToArray()),
            4 => Attribute.Of(name, Enumerable.Range(0, r.Next(4)).Select(_ => RandomFloat(r)).ToArray()),
            5 => Attribute.Of(name, Enumerable.Range(0, r.Next(4)).Select(_ => RandomName(r)).ToArray()),
            6 => Attribute.Of(name, RandomTensor(r)),
            7 => new Attribute(name, AttributeKind.Tensors, Enumerable.Range(0, r.Next(3)).Select(_ => RandomTensor(r)).ToArray()),
            8 => new Attribute(name, AttributeKind.Type, RandomType(r) ?? new TensorType(DataType.Float32, null)),
            9 => new Attribute(name, AttributeKind.Types, Enumerable.Range(0, r.Next(3)).Select(_ => RandomType(r) ?? new TensorType(DataType.Int8, null)).ToArray()),
            10 => new Attribute(name, AttributeKind.Graphs, Enumerable.Range(0, r.Next(3)).Select(_ => RandomSubgraph(r, g, vars, depth + 1)).ToArray()),
            _ => Attribute.Of(name, RandomSubgraph(r, g, vars, depth + 1)),
        };

    private static Graph RandomSubgraph(Random r, GraphBuilder parent, List<Var> outer, int depth)
    {
        var sub = parent.Subgraph(RandomName(r));
        if (r.Next(3) == 0) sub.Graph.OpsetImports = new() { [""] = 7 + r.Next(20) };
        var vars = new List<Var>(outer);
        Populate(r, sub, vars, depth);
        return sub.Build();
    }

    private static Graph RandomGraph(Random r)
    {
        _used = new HashSet<string>(StringComparer.Ordinal);
        var g = new GraphBuilder(RandomName(r), opset: 7 + r.Next(20), registry: TestOps.Registry);
        if (r.Next(2) == 0) g.ImportDomain(RandomName(r), 1 + r.Next(3));
        if (r.Next(3) == 0)
            for (int i = r.Next(3); i >= 0; i--) g.Graph.Metadata[RandomName(r)] = RandomName(r);
        var vars = new List<Var>();
        Populate(r, g, vars, 0);
        return g.Build();
    }

    /// <summary>Adds inputs, constants, nodes of made-up ops (so inference leaves the random types alone) and outputs.</summary>
    private static void Populate(Random r, GraphBuilder g, List<Var> vars, int depth)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        int own = vars.Count;
        for (int i = r.Next(3); i > 0; i--) vars.Add(g.Input(Fresh(r, g), RandomType(r)));
        for (int i = r.Next(3); i > 0; i--) vars.Add(g.Constant(Fresh(r, g), RandomTensor(r)));
        string[] domains = ["", "", "com.microsoft", "ai.onnx.ml", RandomName(r)];
        for (int n = r.Next(depth > 0 ? 3 : 6); n > 0; n--)
        {
            var inputs = Enumerable.Range(0, r.Next(4))
                .Select(_ => vars.Count == 0 || r.Next(5) == 0 ? null : vars[r.Next(vars.Count)]).ToArray();
            var attrs = Enumerable.Range(0, r.Next(depth > 1 ? 2 : 4))
                .Select(_ => UniqueName(r, names)).ToList()
                .Select(name => RandomAttribute(r, name, g, vars, depth)).ToList();
            string opType = r.Next(4) == 0 ? RandomName(r) : "Op" + r.Next(5);
            var result = g.Op(opType, inputs, attrs, domains[r.Next(domains.Length)], outputs: 1 + r.Next(3),
                name: r.Next(2) == 0 ? Fresh(r, g) : null, nodeName: r.Next(3) == 0 ? RandomName(r) : "");
            foreach (var v in result)
            {
                v.Value.Type = RandomType(r);
                vars.Add(v);
            }
        }
        for (int i = r.Next(3); i > 0 && vars.Count > 0; i--)
        {
            var v = vars[r.Next(vars.Count)];
            g.Output(v, r.Next(2) == 0 ? null : Fresh(r, g));
        }
    }

    private static string Fresh(Random r, GraphBuilder g)
    {
        // Names are unique over the whole builder tree; retry on a clash.
        for (int attempt = 0; ; attempt++)
        {
            string n = RandomName(r) + (attempt > 3 ? attempt.ToString() : "");
            if (!Taken(g.Graph, n)) return n;
        }
    }

    /// <summary>Value names taken in the graph being generated (the builder wants them unique over all its subgraphs).</summary>
    [ThreadStatic] private static HashSet<string>? _used;

    private static bool Taken(Graph g, string n) => !_used!.Add(n);
}
