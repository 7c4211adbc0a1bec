using Strata.Core;
using Strata.Graph.Text;
using Strata.Graph.Verification;

namespace Strata.Graph.Tests.Verification;

public sealed class GraphVerifierTests
{
    private static IReadOnlyList<GraphDiagnostic> Diagnose(Graph g) => GraphVerifier.Diagnose(g, TestOps.Registry);
    private static IReadOnlyList<GraphDiagnostic> Diagnose(string text) => Diagnose(GraphParser.Parse(text));
    private static List<GraphDiagnostic> Errors(string text) => Diagnose(text).Where(d => d.IsError).ToList();

    private static TensorType F32(params long[] dims) => new(DataType.Float32, Shape.Of(dims));

    public static TheoryData<string> GoldenFiles() => new(Golden.All());

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void GoldenGraphsHaveNoErrors(string name)
    {
        var errors = Diagnose(Golden.Read(name)).Where(d => d.IsError).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void UnknownOpsAreWarningsNotErrors()
    {
        var d = Diagnose(Golden.Read("symbolic_dims"));
        var w = Assert.Single(d);
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        Assert.Equal(ErrorCode.UnsupportedOp, w.Code);
        Assert.Contains("com.example::Unknown", w.Message);
        GraphVerifier.Verify(GraphParser.Parse(Golden.Read("symbolic_dims")), TestOps.Registry);
    }

    [Fact]
    public void UseBeforeDefinitionIsReported()
    {
        var e = Assert.Single(Errors("""
            graph @g(%x: f32[2]) -> (%z: f32[2]) {
              %z = Relu(%y) : f32[2]
              %y = Neg(%x) : f32[2]
              return %z
            }
            """));
        Assert.Equal(ErrorCode.UndefinedValue, e.Code);
        Assert.Contains("%y is used before it is defined", e.Message);
        Assert.Equal("graph @g: node 'z' (Relu)", e.Location);
    }

    [Fact]
    public void SubgraphMayUseOnlyOuterValuesDefinedBeforeIt()
    {
        var errors = Errors("""
            graph @g(%c: bool[], %x: f32[2]) -> (%o: f32[2], %late: f32[2]) {
              %early = Neg(%x) : f32[2]
              %o = If(%c) {else_branch = graph @e() -> (%eo: f32[2]) {
                %eo = Relu(%early) : f32[2]
                return %eo
              }, then_branch = graph @t() -> (%to: f32[2]) {
                %to = Relu(%late) : f32[2]
                return %to
              }} : f32[2]
              %late = Neg(%x) : f32[2]
              return %o, %late
            }
            """);
        var e = Assert.Single(errors);
        Assert.Contains("%late is not defined in this graph or an enclosing one", e.Message);
        Assert.Equal("graph @g: node 'o' (If): attribute then_branch: graph @t: node 'to' (Relu)", e.Location);
    }

    [Fact]
    public void SiblingSubgraphsMayReuseNamesButNotShadowOuterOnes()
    {
        var errors = Errors("""
            graph @g(%c: bool[], %x: f32[2], %v: f32[2]) -> (%o: f32[2]) {
              %o = If(%c) {else_branch = graph @e() -> (%r: f32[2]) {
                %r = Relu(%x) : f32[2]
                return %r
              }, then_branch = graph @t() -> (%r: f32[2]) {
                %x = Neg(%v) : f32[2]
                %r = Neg(%x) : f32[2]
                return %r
              }} : f32[2]
              return %o
            }
            """);
        // Both branches define %r (fine); the then branch's %x reuses the name of the outer input (an error).
        var e = Assert.Single(errors);
        Assert.Contains("name %x (node output) is already used by a value of an enclosing graph", e.Message);
    }

    [Fact]
    public void ValuesDefinedTwiceAndWrongProducersAreReported()
    {
        var g = new Graph("g");
        var x = new Value("x", F32(2));
        g.Inputs.Add(x);
        var y = new Value("y", F32(2));
        g.Nodes.Add(new Node("Relu", [x], [y]));
        g.Nodes.Add(new Node("Neg", [x], [y]));   // y's producer is now the Neg node; defined twice
        g.Outputs.Add(y);
        var errors = Diagnose(g).Where(d => d.IsError).Select(d => d.Message).ToList();
        Assert.Contains(errors, m => m.Contains("%y is defined more than once"));
        Assert.Contains(errors, m => m.Contains("output %y names node 'y' (Neg) as its producer"));
    }

    [Fact]
    public void UndefinedGraphOutputIsReported()
    {
        var g = new Graph("g");
        g.Outputs.Add(new Value("nowhere", F32(1)));
        var e = Assert.Single(Diagnose(g));
        Assert.Equal(ErrorCode.UndefinedValue, e.Code);
        Assert.Contains("graph output %nowhere is not defined", e.Message);
    }

    [Fact]
    public void OutputArityBeyondTheOpIsReported()
    {
        var e = Assert.Single(Errors("""
            graph @g(%x: f32[2]) -> (%a: f32[2]) {
              %a, %b = Relu(%x) : f32[2], f32[2]
              return %a
            }
            """));
        Assert.Contains("output 1 (%b) but 'Relu' defines 1 output", e.Message);
    }

    [Fact]
    public void DeclaredTypesMustAgreeWithInference()
    {
        var errors = Errors("""
            graph @g(%x: f32[2,3], %w: f32[3,4]) -> (%a: f32[2,5], %b: i32[2,3], %c: f32[2,3,1], %d: f32[2,?], %e: f32[*]) {
              %a = MatMul(%x, %w) : f32[2,5]
              %b = Relu(%x) : i32[2,3]
              %c = Neg(%x) : f32[2,3,1]
              %d = Neg(%x) : f32[2,?]
              %e = Neg(%x) : f32[*]
              return %a, %b, %c, %d, %e
            }
            """);
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Equal(ErrorCode.TypeMismatch, e.Code));
        Assert.Contains("%a is declared f32[2,5] but the op gives f32[2,4] (dim 1 differs)", errors[0].Message);
        Assert.Contains("(element type differs)", errors[1].Message);
        Assert.Contains("(rank differs)", errors[2].Message);
    }

    [Fact]
    public void FailingInferenceIsAnError()
    {
        var e = Assert.Single(Errors("""
            graph @g(%x: f32[2,3], %w: f32[4,4]) -> (%a: f32[2,4]) {
              %a = MatMul(%x, %w) : f32[2,4]
              return %a
            }
            """));
        Assert.Equal(ErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("type inference fails: MatMul inner dims differ", e.Message);
    }

    [Fact]
    public void BadAttributePayloadsAndConstantsAreReported()
    {
        var g = new Graph("g");
        var x = new Value("x", F32(2));
        g.Inputs.Add(x);
        var c = new Value("c", F32(3), Tensor<float>.FromArray([1f, 2f], 2));
        g.Constants.Add(c);
        var y = new Value("y", F32(2));
        g.Nodes.Add(new Node("Relu", [x], [y], [new Attribute("axis", AttributeKind.Int, 1), new Attribute("f", AttributeKind.Floats, new double[] { 1 })]));
        g.Outputs.Add(y);
        var errors = Diagnose(g).Where(d => d.IsError).Select(d => d.Message).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, m => m.Contains("constant %c is declared f32[3] but its data is f32[2]"));
        Assert.Contains(errors, m => m.Contains("attribute 'axis' of kind Int holds a Int32"));
        Assert.Contains(errors, m => m.Contains("attribute 'f' of kind Floats holds a Double[]"));
    }

    [Fact]
    public void VerifyThrowsWithEveryError()
    {
        var g = GraphParser.Parse("""
            graph @g(%x: f32[2]) -> (%z: f32[2]) {
              %z = Relu(%y) : f32[2]
              %y = Neg(%x) : i64[2]
              return %z
            }
            """);
        var e = Assert.Throws<StrataException>(() => GraphVerifier.Verify(g, TestOps.Registry));
        Assert.Equal(ErrorCode.VerificationFailed, e.Code);
        Assert.Contains("(3 errors)", e.Message);   // %y used early; Neg gives f32 not i64; so Relu gives i64 not f32
        Assert.Contains("used before it is defined", e.Message);
        Assert.Contains("element type differs", e.Message);
    }

    [Fact]
    public void TypeChecksCanBeTurnedOff()
    {
        var g = GraphParser.Parse("""
            graph @g(%x: f32[2]) -> (%y: i64[2]) {
              %y = Neg(%x) : i64[2]
              return %y
            }
            """);
        Assert.Single(GraphVerifier.Diagnose(g, TestOps.Registry));
        Assert.Empty(GraphVerifier.Diagnose(g, TestOps.Registry, checkTypes: false));
    }

    [Fact]
    public void DiagnosticsPrintWithCodeAndLocation()
    {
        var d = new GraphDiagnostic(DiagnosticSeverity.Error, ErrorCode.UndefinedValue, "value %x is not defined", "graph @g: node 'y' (Relu)");
        Assert.Equal("error E2006: graph @g: node 'y' (Relu): value %x is not defined", d.ToString());
    }
}
