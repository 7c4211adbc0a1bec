using Strata.Core;

namespace Strata.Onnx.Tests;

/// <summary>Checks the decoding of the packed sub-byte types on real ONNX test data: a Cast from int4/int2
/// to int8/uint8 is exact, so the decoded input must equal the expected output element by element.</summary>
public sealed class ConformanceDataTests
{
    [Theory]
    [InlineData("test_cast_INT4_to_INT8")]
    [InlineData("test_cast_UINT4_to_UINT8")]
    [InlineData("test_cast_INT2_to_INT8")]
    [InlineData("test_cast_UINT2_to_UINT8")]
    public void SubByteInputs_DecodeToTheExactCastOutputs(string test)
    {
        if (TestSuite.NodeDirectory() is not { } dir) return;
        var data = Path.Combine(dir, test, "test_data_set_0");
        var input = OnnxData.ReadTensor(Path.Combine(data, "input_0.pb"));
        var output = OnnxData.ReadTensor(Path.Combine(data, "output_0.pb"));
        Assert.Equal(output.Shape, input.Shape);
        long[] decoded = input switch
        {
            Tensor<Int4> t => t.ToArray().Select(v => (long)v.Value).ToArray(),
            Tensor<UInt4> t => t.ToArray().Select(v => (long)v.Value).ToArray(),
            Tensor<Int2> t => t.ToArray().Select(v => (long)v.Value).ToArray(),
            Tensor<UInt2> t => t.ToArray().Select(v => (long)v.Value).ToArray(),
            _ => throw new InvalidOperationException(input.DataType.ToString()),
        };
        Assert.Equal(TensorConvert.ToInt64s(output), decoded);
    }

    [Fact]
    public void InputFileNames_MatchGraphInputs()
    {
        if (TestSuite.NodeDirectory() is not { } dir) return;
        foreach (var test in new[] { "test_abs", "test_if_seq", "test_optional_has_element_empty_optional_input", "test_sequence_insert_at_back" })
        {
            var model = OnnxImporter.LoadModel(Path.Combine(dir, test, "model.onnx"), new OnnxImportOptions { InferTypes = false });
            for (int i = 0; i < model.DeclaredInputs.Count; i++)
            {
                var file = Path.Combine(dir, test, "test_data_set_0", $"input_{i}.pb");
                Assert.Equal(model.DeclaredInputs[i].Name, OnnxData.ReadName(file, model.DeclaredInputs[i].Type));
                Assert.IsAssignableFrom<RuntimeValue>(OnnxData.ReadValue(file, model.DeclaredInputs[i].Type));
            }
        }
    }
}
