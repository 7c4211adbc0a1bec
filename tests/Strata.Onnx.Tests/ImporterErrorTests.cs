using CsCheck;
using Strata.Core;
using Strata.Onnx.Protos;
using static Strata.Onnx.Tests.ModelBuilder;

namespace Strata.Onnx.Tests;

/// <summary>Bad input gives a <see cref="StrataException"/> with the right code, never a crash or a hang.</summary>
public sealed class ImporterErrorTests
{
    private const int F32 = (int)TensorProto.Types.DataType.Float;

    private static ModelProto Relu() => Model(GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)],
        Node("Relu", ["x"], ["y"])));

    private static StrataException Import(byte[] bytes, OnnxImportOptions? options = null) =>
        Assert.Throws<StrataException>(() => OnnxImporter.Load(bytes, null, options ?? new OnnxImportOptions { InferTypes = false }));

    [Fact]
    public void TruncatedModel_IsMalformed()
    {
        var bytes = Relu().Bytes();
        var e = Import(bytes[..(bytes.Length - 3)]);
        Assert.Equal(ErrorCode.MalformedModel, e.Code);
        Assert.NotNull(e.Hint);
        Assert.NotNull(e.Location);
    }

    [Fact]
    public void EveryTruncation_ImportsOrThrowsStrataException()
    {
        var bytes = Relu().Bytes();
        for (int n = 0; n < bytes.Length; n++)
        {
            try { OnnxImporter.Load(bytes.AsSpan(0, n), null, new OnnxImportOptions { InferTypes = false }); }
            catch (StrataException) { }
        }
    }

    [Fact]
    public void RandomBytes_ThrowStrataException()
    {
        var bytes = new byte[1000];
        new Random(42).NextBytes(bytes);
        Assert.Equal(ErrorCode.MalformedModel, Import(bytes).Code);
        Gen.Byte.Array[0, 300].Sample(b =>
        {
            try { OnnxImporter.Load(b, null, new OnnxImportOptions { InferTypes = false }); }
            catch (StrataException) { }
        }, iter: 2000);
    }

    [Fact]
    public void RealModel_WithRandomCorruption_NeverCrashes()
    {
        if (TestSuite.Model("test_if") is not { } path) return;
        var original = File.ReadAllBytes(path);
        Gen.Int[0, original.Length - 1].Array[1, 8].Select(Gen.Byte.Array[8]).Sample((positions, values) =>
        {
            var b = (byte[])original.Clone();
            for (int i = 0; i < positions.Length; i++) b[positions[i]] = values[i];
            try { OnnxImporter.Load(b, null, new OnnxImportOptions { InferTypes = false }); }
            catch (StrataException) { }
        }, iter: 2000);
    }

    [Fact]
    public void NotAModel_HasNoGraph()
    {
        var e = Import([0x08, 0x07]); // just ir_version = 7
        Assert.Equal(ErrorCode.MalformedModel, e.Code);
        Assert.Contains("no graph", e.Message);
    }

    [Fact]
    public void UnknownOp_IsAnErrorOnlyInStrictMode()
    {
        var model = Model(GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], Node("NoSuchOp", ["x"], ["y"])));
        var graph = OnnxImporter.Load(model.Bytes());
        Assert.Equal("NoSuchOp", graph.Nodes[0].OpType);
        var e = Import(model.Bytes(), new OnnxImportOptions { Strict = true });
        Assert.Equal(ErrorCode.UnsupportedOp, e.Code);
        Assert.Contains("NoSuchOp", e.Message);
        Assert.Contains("NoSuchOp", e.Location);
    }

    [Fact]
    public void UndefinedInput_IsMalformed()
    {
        var model = Model(GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], Node("Add", ["x", "nope"], ["y"])));
        var e = Import(model.Bytes());
        Assert.Equal(ErrorCode.MalformedModel, e.Code);
        Assert.Contains("'nope'", e.Message);
    }

    [Fact]
    public void ValueDefinedTwice_IsMalformed()
    {
        var model = Model(GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)],
            Node("Relu", ["x"], ["y"]), Node("Relu", ["x"], ["y"])));
        Assert.Equal(ErrorCode.MalformedModel, Import(model.Bytes()).Code);
    }

    [Fact]
    public void Cycle_IsMalformed()
    {
        var model = Model(GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)],
            Node("Add", ["x", "b"], ["a"]), Node("Relu", ["a"], ["b"]), Node("Relu", ["b"], ["y"])));
        Assert.Equal(ErrorCode.MalformedModel, Import(model.Bytes()).Code);
    }

    [Fact]
    public void UnsupportedDataType_IsReported()
    {
        var g = GraphOf("g", [], [Tensor("c", 14)]);
        var t = new TensorProto { Name = "c", DataType = 14 }; // complex64
        t.Dims.Add(1);
        t.FloatData.AddRange([1f, 2f]);
        g.Initializer.Add(t);
        var e = Import(Model(g).Bytes());
        Assert.Equal(ErrorCode.UnsupportedDataType, e.Code);
        Assert.Contains("'c'", e.Location);
    }

    [Fact]
    public void MissingExternalData_NamesThePath()
    {
        var dir = Directory.CreateTempSubdirectory("strata-onnx-").FullName;
        try
        {
            var g = GraphOf("g", [], [Tensor("w", F32, 4)]);
            var t = new TensorProto { Name = "w", DataType = F32, DataLocation = TensorProto.Types.DataLocation.External };
            t.Dims.Add(4);
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            g.Initializer.Add(t);
            var path = Path.Combine(dir, "model.onnx");
            File.WriteAllBytes(path, Model(g).Bytes());

            var e = Assert.Throws<StrataException>(() => OnnxImporter.Load(path));
            Assert.Equal(ErrorCode.MissingExternalData, e.Code);
            Assert.Contains(Path.Combine(dir, "weights.bin"), e.Message);

            // With the file present (and an offset), the data is read.
            var data = new byte[8 + 16];
            Buffer.BlockCopy(new[] { 1f, 2f, 3f, 4f }, 0, data, 8, 16);
            File.WriteAllBytes(Path.Combine(dir, "weights.bin"), data);
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "8" });
            t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "16" });
            File.WriteAllBytes(path, Model(g).Bytes());
            var graph = OnnxImporter.Load(path);
            Assert.Equal([1f, 2f, 3f, 4f], graph.Constants[0].Constant!.As<float>().ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MissingFile_IsFileNotFound()
    {
        var e = Assert.Throws<StrataException>(() => OnnxImporter.Load("/nonexistent/model.onnx"));
        Assert.Equal(ErrorCode.FileNotFound, e.Code);
    }

    [Fact]
    public void RecursiveFunction_IsMalformed()
    {
        var model = Model(GraphOf("g", [Tensor("x", F32, 2)], [Tensor("y", F32, 2)], new NodeProto { OpType = "F", Domain = "local", Input = { "x" }, Output = { "y" } }));
        var f = new FunctionProto { Name = "F", Domain = "local", Input = { "a" }, Output = { "b" } };
        f.Node.Add(new NodeProto { OpType = "F", Domain = "local", Input = { "a" }, Output = { "b" } });
        model.Functions.Add(f);
        Assert.Equal(ErrorCode.MalformedModel, Import(model.Bytes()).Code);
    }
}
