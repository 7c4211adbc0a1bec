using System.Numerics;
using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>Col2Im: rebuilds images [N, C, *image_shape] from sliding-block columns [N, C·prod(block_shape), L],
/// summing the values that overlapping blocks place on the same pixel (the inverse layout of im2col).</summary>
internal static class Col2ImOp
{
    public static void Register(ExtensionRegistry registry) =>
        registry.AddOp(OpSchema.Unary("Col2Im", Infer, Col2Im));

    private static Tensor Col2Im(OpContext c)
    {
        var x = c.Input(0);
        var image = TensorArgs.Dims(TensorArgs.Ints(c.Input(1)), "Col2Im image_shape");
        var block = TensorArgs.Dims(TensorArgs.Ints(c.Input(2)), "Col2Im block_shape");
        int n = image.Length;
        if (block.Length != n || x.Rank != 3)
            throw c.Error(ErrorCode.InvalidShape, $"input {ShapeMath.Format(x.Shape)} must be [N, C·prod(block), L] and block_shape must have {n} dims like image_shape");
        var dilations = c.Ints("dilations") ?? Enumerable.Repeat(1L, n).ToArray();
        var pads = c.Ints("pads") ?? new long[2 * n];
        var strides = c.Ints("strides") ?? Enumerable.Repeat(1L, n).ToArray();
        if (dilations.Length != n || pads.Length != 2 * n || strides.Length != n)
            throw c.Error(ErrorCode.InvalidAttribute, $"dilations, strides need {n} entries and pads {2 * n}");
        int blockSize = ShapeMath.Size(block);
        if (blockSize == 0 || x.Shape[1] % blockSize != 0)
            throw c.Error(ErrorCode.InvalidShape, $"dim 1 of the input ({x.Shape[1]}) is not divisible by prod(block_shape) = {blockSize}");
        var blocks = new int[n];
        for (int i = 0; i < n; i++)
            blocks[i] = checked((int)((image[i] + pads[i] + pads[n + i] - dilations[i] * (block[i] - 1) - 1) / strides[i] + 1));
        int cols = ShapeMath.Size(blocks);
        if (cols != x.Shape[2])
            throw c.Error(ErrorCode.InvalidShape, $"input has {x.Shape[2]} columns but the image, block and attributes give {cols} sliding blocks");

        // For each (block offset, column): the pixel it lands on, or -1 if in the padding.
        var imageStrides = ShapeMath.Strides(image);
        var blockStrides = ShapeMath.Strides(block);
        var colStrides = ShapeMath.Strides(blocks);
        var pixel = new int[blockSize * cols];
        for (int k = 0; k < blockSize; k++)
            for (int col = 0; col < cols; col++)
            {
                int flat = 0;
                for (int i = 0; i < n && flat >= 0; i++)
                {
                    long at = col / colStrides[i] % blocks[i] * strides[i] - pads[i] + k / blockStrides[i] % block[i] * dilations[i];
                    flat = at >= 0 && at < image[i] ? flat + (int)at * imageStrides[i] : -1;
                }
                pixel[k * cols + col] = flat;
            }
        int[] shape = [x.Shape[0], x.Shape[1] / blockSize, .. image];
        return NumericDispatch.Invoke<SumFunc, Tensor>(x.DataType, new SumFunc(x, pixel, shape));
    }

    private readonly struct SumFunc(Tensor x, int[] pixel, int[] shape) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T>
        {
            var src = x.As<T>().Span;
            var r = new T[ShapeMath.Size(shape)];
            int images = shape[0] * shape[1], imageSize = r.Length / Math.Max(images, 1);
            for (int img = 0; img < images; img++)
                for (int j = 0; j < pixel.Length; j++)
                    if (pixel[j] >= 0) r[img * imageSize + pixel[j]] += src[img * pixel.Length + j];
            return new Tensor<T>(r, shape);
        }

        // bfloat16: sum in double.
        public Tensor InvokeOther()
        {
            var src = TensorConvert.ToDoubles(x);
            var r = new double[ShapeMath.Size(shape)];
            int images = shape[0] * shape[1], imageSize = r.Length / Math.Max(images, 1);
            for (int img = 0; img < images; img++)
                for (int j = 0; j < pixel.Length; j++)
                    if (pixel[j] >= 0) r[img * imageSize + pixel[j]] += src[img * pixel.Length + j];
            return TensorConvert.FromDoubles(x.DataType, r, shape);
        }
    }

    private static TensorType? Infer(InferenceContext c)
    {
        if (c.InputElementType(0) is not { } et) return null;
        var s = TensorArgs.StaticShape(c, 0);
        var block = TensorArgs.ConstInts(c, 2);
        var image = TensorArgs.ConstInts(c, 1);
        var n = s is { Rank: 3 } ? s[0] : Dim.Unknown;
        var ch = s is { Rank: 3 } && s[1].Value is { } cb && block is not null && block.Aggregate(1L, (p, v) => p * v) is > 0 and var bs
            ? Dim.Of(cb / bs) : Dim.Unknown;
        if (image is null) return TensorArgs.UnknownDims(et, c.InputShape(1) is [var k] ? k + 2 : null);
        return new TensorType(et, Shape.Of([n, ch, .. image.Select(Dim.Of)]));
    }
}
