using Strata.Core;

namespace Strata.Graph.Ops;

/// <summary>ai.onnx.ml LabelEncoder: maps each element through parallel key and value lists (keys_floats/int64s/
/// strings/tensor → values_floats/int64s/strings/tensor); elements not among the keys get the default of the value
/// type. The last of repeated keys wins; NaN keys match NaN inputs. Opset 1's classes_strings form (string ↔ index)
/// is supported too.</summary>
internal static class LabelEncoderOp
{
    public static OpSchema Schema { get; } = new("ai.onnx.ml", "LabelEncoder", Infer, Evaluate);

    private static Core.ValueType?[] Infer(InferenceContext c)
    {
        var n = c.Node;
        DataType? et = n.Attr("values_tensor") is { } vt ? vt.AsTensor().DataType
            : n.Attr("values_strings") is not null ? DataType.String
            : n.Attr("values_int64s") is not null ? DataType.Int64
            : n.Attr("values_floats") is not null ? DataType.Float32
            : n.Attr("classes_strings") is not null ? (c.InputElementType(0) == DataType.String ? DataType.Int64 : DataType.String)
            : null;
        return [et is { } t ? new TensorType(t, c.InputTensor(0)?.Shape) : null];
    }

    private static RuntimeValue?[] Evaluate(OpContext c)
    {
        var x = c.Input(0);
        Tensor keys, values, fallback;
        if (c.Strings("classes_strings") is { } classes)
        {
            // Opset 1: strings map to their index in classes_strings, integers to the string at that index.
            var indexes = new long[classes.Length];
            for (int i = 0; i < indexes.Length; i++) indexes[i] = i;
            var classTensor = new Tensor<string>(classes, [classes.Length]);
            var indexTensor = new Tensor<long>(indexes, [indexes.Length]);
            bool fromStrings = x.DataType == DataType.String;
            keys = fromStrings ? classTensor : indexTensor;
            values = fromStrings ? indexTensor : classTensor;
            fallback = fromStrings ? Tensor<long>.Scalar(c.Int("default_int64", -1)) : Tensor<string>.Scalar(c.String("default_string", "_Unused"));
        }
        else
        {
            keys = c.TensorAttr("keys_tensor")
                ?? (c.Strings("keys_strings") is { } ks ? new Tensor<string>(ks, [ks.Length])
                : c.Ints("keys_int64s") is { } ki ? new Tensor<long>(ki, [ki.Length])
                : c.Floats("keys_floats") is { } kf ? new Tensor<float>(kf, [kf.Length])
                : throw c.Error(ErrorCode.InvalidAttribute, "LabelEncoder needs one keys_* attribute"));
            if (c.TensorAttr("values_tensor") is { } vt)
            {
                values = vt;
                fallback = c.TensorAttr("default_tensor") ?? (vt.DataType == DataType.String ? Tensor<string>.Scalar("_Unused")
                    : vt.DataType.IsFloatingPoint() ? TensorConvert.FromDoubles(vt.DataType, [-0.0], [])
                    : TensorConvert.FromDoubles(vt.DataType, [-1], []));
            }
            else if (c.Strings("values_strings") is { } vs)
            {
                values = new Tensor<string>(vs, [vs.Length]);
                fallback = Tensor<string>.Scalar(c.String("default_string", "_Unused"));
            }
            else if (c.Ints("values_int64s") is { } vi)
            {
                values = new Tensor<long>(vi, [vi.Length]);
                fallback = Tensor<long>.Scalar(c.Int("default_int64", -1));
            }
            else if (c.Floats("values_floats") is { } vf)
            {
                values = new Tensor<float>(vf, [vf.Length]);
                fallback = Tensor<float>.Scalar(c.Float("default_float", -0f));
            }
            else throw c.Error(ErrorCode.InvalidAttribute, "LabelEncoder needs one values_* attribute");
        }
        if (keys.Length != values.Length)
            throw c.Error(ErrorCode.InvalidAttribute, $"LabelEncoder has {keys.Length} keys but {values.Length} values", "give one value per key");
        if (fallback.DataType != values.DataType || fallback.Length != 1)
            throw c.Error(ErrorCode.InvalidAttribute, "the default must be one value of the values' type");
        if ((x.DataType == DataType.String) != (keys.DataType == DataType.String))
            throw c.Error(ErrorCode.TypeMismatch, $"input of {x.DataType.ShortName()} cannot be looked up among {keys.DataType.ShortName()} keys");

        // Position of each input element among the keys, or -1.
        var positions = new int[x.Length];
        if (x is Tensor<string> xs)
        {
            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            var k = keys.As<string>().Span;
            for (int i = 0; i < k.Length; i++) map[k[i]] = i;
            for (int i = 0; i < positions.Length; i++) positions[i] = map.TryGetValue(xs[i], out int p) ? p : -1;
        }
        else
        {
            var map = new Dictionary<double, int>();
            var k = TensorConvert.ToDoubles(keys);
            for (int i = 0; i < k.Length; i++) map[k[i]] = i;
            var v = TensorConvert.ToDoubles(x);
            for (int i = 0; i < positions.Length; i++) positions[i] = map.TryGetValue(v[i], out int p) ? p : -1;
        }
        return [ElementDispatch.Invoke<LookupFunc, Tensor>(values.DataType, new LookupFunc(values, fallback, positions, x.Shape))];
    }

    private readonly struct LookupFunc(Tensor values, Tensor fallback, int[] positions, int[] shape) : IElementFunc<Tensor>
    {
        public Tensor Invoke<T>()
        {
            var v = values.As<T>().Span;
            T d = fallback.As<T>()[0];
            var result = new Tensor<T>(shape);
            var r = result.Span;
            for (int i = 0; i < r.Length; i++) r[i] = positions[i] >= 0 ? v[positions[i]] : d;
            return result;
        }
    }
}
