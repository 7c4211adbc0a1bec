using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Densifies an ONNX <c>SparseTensorProto</c> (values plus linear [NNZ] or coordinate [NNZ, rank] indices).</summary>
internal static class SparseTensorReader
{
    public static Tensor Read(SparseTensorProto sparse, Func<TensorProto, Tensor> readTensor, string location)
    {
        if (sparse.Values is null) throw OnnxErrors.Malformed("sparse tensor has no values", location);
        var shape = TensorProtoReader.ReadShape(sparse.Dims, location);
        var values = readTensor(sparse.Values);
        var dense = TensorFactory.Create(values.DataType, shape);
        int nnz = values.Length;
        if (nnz == 0) return dense;
        if (sparse.Indices is null) throw OnnxErrors.Malformed("sparse tensor has values but no indices", location);
        var indices = TensorConvert.ToInt64s(readTensor(sparse.Indices));
        var strides = ShapeMath.Strides(shape);
        var flat = new int[nnz];
        if (indices.Length == nnz)
        {
            for (int i = 0; i < nnz; i++) flat[i] = CheckIndex(indices[i], dense.Length, location);
        }
        else if (indices.Length == nnz * shape.Length)
        {
            for (int i = 0; i < nnz; i++)
            {
                long f = 0;
                for (int d = 0; d < shape.Length; d++)
                {
                    long idx = indices[i * shape.Length + d];
                    if (idx < 0 || idx >= shape[d]) throw OnnxErrors.BadTensor($"sparse index {idx} is outside dim {d} of size {shape[d]}", location);
                    f += idx * strides[d];
                }
                flat[i] = (int)f;
            }
        }
        else
        {
            throw OnnxErrors.BadTensor($"sparse tensor has {indices.Length} indices for {nnz} values", location);
        }
        var src = values.ToArray();
        var dst = dense.ToArray();
        for (int i = 0; i < nnz; i++) dst.SetValue(src.GetValue(i), flat[i]);
        return TensorFactory.FromArray(dst, shape);
    }

    private static int CheckIndex(long idx, int size, string location) =>
        idx >= 0 && idx < size ? (int)idx : throw OnnxErrors.BadTensor($"sparse index {idx} is outside the tensor of {size} elements", location);
}
