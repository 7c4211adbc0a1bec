using Strata.Core;
using Strata.Tile.Text;
using static Strata.Tile.Tests.Lowering.LoweringCheck;
using static Strata.Tile.Tests.Lowering.RandomData;

namespace Strata.Tile.Tests.Lowering;

/// <summary>Golden text of single-node lowerings (<c>golden/lower_*.strata</c>): what each lowering writes, so a change
/// in an index expression shows in review. Each kernel is also run and compared with the reference.</summary>
public sealed class LoweringGoldenTests
{
    private static readonly Random Rng = new(42);
    private static Tensor F32(params int[] shape) => Tensor(Rng, DataType.Float32, shape);

    private static readonly Dictionary<string, Func<TileKernel>> Cases = new()
    {
        ["gelu"] = () => Lowers("Gelu", [F32(2, 8)]),
        ["leakyrelu_f16"] = () => Lowers("LeakyRelu", [Tensor(Rng, DataType.Float16, [4])], [A("alpha", 0.1f)]),
        ["add_broadcast"] = () => Lowers("Add", [F32(2, 3, 4), F32(4)]),
        ["where_broadcast"] = () => Lowers("Where", [Tensor(Rng, DataType.Bool, [3, 1]), F32(1, 4), F32(3, 4)]),
        ["clip_i32"] = () => Lowers("Clip", [Tensor(Rng, DataType.Int32, [5], -9, 9), new Tensor<int>(new[] { -2 }, []), new Tensor<int>(new[] { 3 }, [])]),
        ["batchnorm"] = () => Lowers("BatchNormalization", [F32(1, 3, 4, 4), F32(3), F32(3), F32(3), Tensor(Rng, DataType.Float32, [3], 0.5, 2)]),
        ["cast_f32_to_i8"] = () => Lowers("Cast", [F32(6)], [A("to", (long)DataType.Int8)]),
        ["reshape_merge"] = () => Lowers("Reshape", [F32(2, 3, 4), Longs(6, 4)], constants: [1]),
        ["reshape_split"] = () => Lowers("Reshape", [F32(6, 4), Longs(2, 3, 4)], constants: [1]),
        ["reshape_regroup"] = () => Lowers("Reshape", [F32(4, 6), Longs(3, 8)], constants: [1]),
        ["flatten"] = () => Lowers("Flatten", [F32(2, 3, 4, 5)], [A("axis", 2L)]),
        ["transpose"] = () => Lowers("Transpose", [F32(2, 3, 4)], [A("perm", new[] { 2L, 0, 1 })]),
        ["squeeze_unsqueeze"] = () => Lowers("Unsqueeze", [F32(3, 1, 4), Longs(0, 3)], constants: [1]),
        ["expand"] = () => Lowers("Expand", [F32(3, 1), Longs(2, 3, 4)], constants: [1]),
        ["tile"] = () => Lowers("Tile", [F32(2, 3), Longs(2, 1)], constants: [1]),
        ["slice_negative_steps"] = () => Lowers("Slice", [F32(10, 8), Longs(-1, 1), Longs(-11, 7), Longs(0, 1), Longs(-2, 3)], constants: [1, 2, 3, 4]),
        ["concat"] = () => Lowers("Concat", [F32(2, 1, 3), F32(2, 4, 3), F32(2, 2, 3)], [A("axis", 1L)]),
        ["split"] = () => Lowers("Split", [F32(2, 7), Longs(2, 4, 1)], [A("axis", 1L)], outputs: 3, constants: [1]),
        ["pad_constant"] = () => Lowers("Pad", [F32(3, 4), Longs(1, 0, 2, 1), Tensor<float>.Scalar(0.5f)], constants: [1]),
        ["pad_edge"] = () => Lowers("Pad", [F32(3, 4), Longs(1, 2, 1, 2)], [A("mode", "edge")], constants: [1]),
        ["pad_reflect"] = () => Lowers("Pad", [F32(3, 4), Longs(2, -1, 1, 2)], [A("mode", "reflect")], constants: [1]),
        ["pad_wrap"] = () => Lowers("Pad", [F32(3, 4), Longs(0, 3, 0, 3)], [A("mode", "wrap")], constants: [1]),
        ["gather"] = () => Lowers("Gather", [F32(3, 5), Tensor(Rng, DataType.Int64, [2, 2], -5, 4)], [A("axis", 1L)]),
        ["gather_constant_index"] = () => Lowers("Gather", [F32(3, 5), Tensor<long>.Scalar(-1)], [A("axis", 1L)], constants: [1]),
        ["gather_elements"] = () => Lowers("GatherElements", [F32(3, 4), Tensor(Rng, DataType.Int32, [3, 2], -3, 2)], [A("axis", 0L)]),
        ["depth_to_space"] = () => Lowers("DepthToSpace", [F32(1, 8, 2, 3)], [A("blocksize", 2L)]),
        ["space_to_depth"] = () => Lowers("SpaceToDepth", [F32(1, 2, 4, 6)], [A("blocksize", 2L)]),
        ["resize_nearest"] = () => Lowers("Resize", [F32(1, 1, 2, 3), new Tensor<float>(Array.Empty<float>(), [0]), new Tensor<float>(new[] { 1f, 1f, 2f, 2f }, [4])],
            [A("mode", "nearest"), A("coordinate_transformation_mode", "asymmetric"), A("nearest_mode", "floor")], constants: [1, 2]),
        ["resize_linear"] = () => Lowers("Resize", [F32(1, 1, 2, 3), new Tensor<float>(Array.Empty<float>(), [0]), new Tensor<float>(new[] { 1f, 1f, 1f, 2f }, [4])],
            [A("mode", "linear")], constants: [1, 2]),
        ["resize_cubic"] = () => Lowers("Resize", [F32(1, 1, 3, 3), new Tensor<float>(Array.Empty<float>(), [0]), new Tensor<float>(new[] { 1f, 1f, 1f, 2f }, [4])],
            [A("mode", "cubic"), A("coordinate_transformation_mode", "asymmetric")], constants: [1, 2]),
        ["shape"] = () => Lowers("Shape", [F32(2, 3, 4)], [A("start", 1L)]),
        ["range"] = () => Lowers("Range", [Tensor<float>.Scalar(1f), Tensor<float>.Scalar(4f), Tensor<float>.Scalar(0.5f)], constants: [0, 1, 2]),
        ["eyelike"] = () => Lowers("EyeLike", [F32(3, 4)], [A("k", 1L)]),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Lowered_kernel_text_is_stable(string name) => Golden.Check("lower_" + name, TilePrinter.Print(Cases[name]()));
}
