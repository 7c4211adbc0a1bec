using System.Collections.Immutable;
using Strata.Core;
using Strata.Onnx.Protos;

namespace Strata.Onnx;

/// <summary>Converts between ONNX <c>TypeProto</c> and Strata's static <see cref="Core.ValueType"/>.</summary>
internal static class TypeProtoConverter
{
    /// <summary>The Strata type, or null when the proto says nothing Strata can represent (no type, a map,
    /// an opaque type).</summary>
    public static Core.ValueType? ToValueType(TypeProto? type, string location)
    {
        if (type is null) return null;
        switch (type.ValueCase)
        {
            case TypeProto.ValueOneofCase.TensorType:
                return new TensorType(ToDataType(type.TensorType.ElemType, location, allowUndefined: true),
                    type.TensorType.Shape is { } s ? ToShape(s) : null);
            case TypeProto.ValueOneofCase.SparseTensorType:
                // Sparse values are densified on import.
                return new TensorType(ToDataType(type.SparseTensorType.ElemType, location, allowUndefined: true),
                    type.SparseTensorType.Shape is { } ss ? ToShape(ss) : null);
            case TypeProto.ValueOneofCase.SequenceType:
                return type.SequenceType.ElemType is { } se && ToValueType(se, location) is { } et
                    ? new SequenceType(et) : new SequenceType(new TensorType(DataType.Undefined, null));
            case TypeProto.ValueOneofCase.OptionalType:
                return type.OptionalType.ElemType is { } oe && ToValueType(oe, location) is { } ot
                    ? new OptionalType(ot) : new OptionalType(new TensorType(DataType.Undefined, null));
            default:
                return null;
        }
    }

    /// <summary>True for types Strata has no runtime value for (maps, opaque types).</summary>
    public static bool IsUnrepresentable(TypeProto? type) => type is not null && type.ValueCase switch
    {
        TypeProto.ValueOneofCase.MapType or TypeProto.ValueOneofCase.OpaqueType => true,
        TypeProto.ValueOneofCase.SequenceType => IsUnrepresentable(type.SequenceType.ElemType),
        TypeProto.ValueOneofCase.OptionalType => IsUnrepresentable(type.OptionalType.ElemType),
        _ => false,
    };

    public static Shape ToShape(TensorShapeProto shape)
    {
        var dims = ImmutableArray.CreateBuilder<Dim>(shape.Dim.Count);
        foreach (var d in shape.Dim)
        {
            dims.Add(d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue >= 0 => Dim.Of(d.DimValue),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => Dim.Sym(d.DimParam),
                _ => Dim.Unknown,
            });
        }
        return new Shape(dims.MoveToImmutable());
    }

    /// <summary>An ONNX element type code as a <see cref="DataType"/>; throws for codes Strata cannot hold.</summary>
    public static DataType ToDataType(int code, string location, bool allowUndefined = false)
    {
        if (code == 0 && allowUndefined) return DataType.Undefined;
        if (!Enum.IsDefined(typeof(DataType), code) || ((DataType)code).ClrType() is null)
            throw OnnxErrors.UnsupportedType(code, location);
        return (DataType)code;
    }

    public static TypeProto FromValueType(Core.ValueType type)
    {
        switch (type)
        {
            case TensorType t:
                var tt = new TypeProto.Types.Tensor { ElemType = (int)t.ElementType };
                if (t.Shape is { } shape) tt.Shape = FromShape(shape);
                return new TypeProto { TensorType = tt };
            case SequenceType s:
                return new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = FromValueType(s.ElementType) } };
            case OptionalType o:
                return new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = FromValueType(o.ElementType) } };
            default:
                throw new StrataException(ErrorCode.UnsupportedDataType, $"type {type} cannot be written to ONNX",
                    "only tensor, sequence and optional types can be exported");
        }
    }

    public static TensorShapeProto FromShape(Shape shape)
    {
        var proto = new TensorShapeProto();
        foreach (var d in shape.Dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is { } v) dim.DimValue = v;
            else if (d.Symbol is { } s) dim.DimParam = s;
            proto.Dim.Add(dim);
        }
        return proto;
    }
}
