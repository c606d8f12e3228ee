using TorchSharp;
using static TorchSharp.torch;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>
/// Operators that move data rather than compute it: Identity, Flatten, Reshape, Shape, Gather, Unsqueeze, Squeeze,
/// Concat, Transpose, Slice, Cast, Pad. Shape tensors are read at run time when they are computed (e.g.
/// Shape→Gather→Unsqueeze→Concat→Reshape, as torchvision exports a flatten with a dynamic batch), and once at
/// construction when they are constants.
/// </summary>
internal static class ShapeOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("Identity", _ => Other((in NodeInputs x, in OperatorRunContext _) => x[0]));
        registry.Add("Flatten", Flatten);
        registry.Add("Reshape", Reshape);
        registry.Add("Shape", Shape);
        registry.Add("Gather", Gather);
        registry.Add("Unsqueeze", Unsqueeze);
        registry.Add("Squeeze", Squeeze);
        registry.Add("Concat", Concat);
        registry.Add("Transpose", c =>
        {
            long[]? perm = c.Ints("perm");
            return Other((in NodeInputs x, in OperatorRunContext _) =>
                x[0].permute(perm ?? Enumerable.Range(0, (int)x[0].dim()).Reverse().Select(i => (long)i).ToArray()));
        });
        registry.Add("Slice", Slice);
        registry.Add("Cast", Cast);
        registry.Add("Pad", Pad);
    }

    private static DelegateOperator Other(OperatorBody body) => new(OperatorKind.Other, body);

    /// <summary>Reads an int64 input: from the constant read at construction, else from the tensor.</summary>
    private static long[]? Longs(long[]? constant, in NodeInputs x, int index) =>
        constant ?? (x.Has(index) ? x[index].to_type(ScalarType.Int64).data<long>().ToArray() : null);

    private static long[]? ConstantLongs(OperatorBuildContext context, int index, string what) =>
        context.HasInput(index) && context.Constant(index) is not null
            ? TensorData.ToInt64Array(context.StaticInput(index, what))
            : null;

    private static IOnnxOperator Flatten(OperatorBuildContext context)
    {
        long axis = context.Int("axis", 1);
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            Tensor input = x[0];
            long a = axis < 0 ? axis + input.dim() : axis;
            long outer = 1;
            for (int i = 0; i < a; i++) outer *= input.shape[i];
            return input.reshape(outer, -1);
        });
    }

    private static IOnnxOperator Reshape(OperatorBuildContext context)
    {
        long[]? constantShape = ConstantLongs(context, 1, "shape");
        bool allowZero = context.Int("allowzero", 0) != 0;
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            long[] requested = Longs(constantShape, x, 1)!;
            var target = new long[requested.Length];
            for (int i = 0; i < requested.Length; i++)
                target[i] = requested[i] == 0 && !allowZero ? x[0].shape[i] : requested[i];
            return x[0].reshape(target);
        });
    }

    private static IOnnxOperator Shape(OperatorBuildContext context)
    {
        long start = context.Int("start", 0);
        long? end = context.HasAttribute("end") ? context.Int("end", 0) : null;
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            long[] shape = x[0].shape;
            int rank = shape.Length;
            int from = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            int to = (int)Math.Clamp(end is { } e ? (e < 0 ? e + rank : e) : rank, 0, rank);
            return torch.tensor(shape[from..Math.Max(from, to)], ScalarType.Int64);
        });
    }

    private static IOnnxOperator Gather(OperatorBuildContext context)
    {
        long axis = context.Int("axis", 0);
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            Tensor data = x[0], indices = x[1];
            long a = axis < 0 ? axis + data.dim() : axis;
            using var scope = NewDisposeScope();
            Tensor flat = indices.to_type(ScalarType.Int64).flatten();
            flat = torch.where(flat.lt(0), flat.add(data.shape[a]), flat);
            Tensor picked = data.index_select(a, flat);
            long[] shape = [.. data.shape[..(int)a], .. indices.shape, .. data.shape[((int)a + 1)..]];
            return picked.reshape(shape).MoveToOuterDisposeScope();
        });
    }

    private static IOnnxOperator Unsqueeze(OperatorBuildContext context)
    {
        long[]? constantAxes = context.Opset >= 13 ? ConstantLongs(context, 1, "axes") : context.Ints("axes");
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            long[] axes = Longs(constantAxes, x, 1)!;
            long rank = x[0].dim() + axes.Length;
            long[] sorted = axes.Select(a => a < 0 ? a + rank : a).Order().ToArray();
            Tensor result = x[0].alias();
            foreach (long a in sorted)
            {
                Tensor next = result.unsqueeze(a);
                result.Dispose();
                result = next;
            }
            return result;
        });
    }

    private static IOnnxOperator Squeeze(OperatorBuildContext context)
    {
        long[]? constantAxes = context.Opset >= 13 ? ConstantLongs(context, 1, "axes") : context.Ints("axes");
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            long[]? axes = Longs(constantAxes, x, 1);
            if (axes is null || axes.Length == 0) return x[0].squeeze();
            long rank = x[0].dim();
            Tensor result = x[0].alias();
            foreach (long a in axes.Select(a => a < 0 ? a + rank : a).OrderDescending())
            {
                if (a < 0 || a >= rank || result.shape[a] != 1)
                {
                    result.Dispose();
                    throw new OnnxModuleException(
                        $"Node '{context.Node.Name}' (Squeeze): axis {a} of the input [{string.Join(", ", x[0].shape)}] " +
                        (a < 0 || a >= rank ? "is outside its rank" : $"has size {x[0].shape[a]}, not 1") +
                        "; ONNX defines this as an error. Fix the axes or the input shape.");
                }
                Tensor next = result.squeeze(a);
                result.Dispose();
                result = next;
            }
            return result;
        });
    }

    private static IOnnxOperator Concat(OperatorBuildContext context)
    {
        long axis = context.Int("axis", 0);
        int computed = Enumerable.Range(0, context.Node.Input.Count).Count(i => context.HasInput(i) && context.Constant(i) is null);
        var kind = computed >= 2 ? OperatorKind.Merge : OperatorKind.Other;
        return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) =>
        {
            var parts = new Tensor[x.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = x[i];
            return torch.cat(parts, axis);
        });
    }

    private static IOnnxOperator Slice(OperatorBuildContext context)
    {
        long[]? starts, ends, axes, steps;
        if (context.Opset < 10)
        {
            starts = context.Ints("starts");
            ends = context.Ints("ends");
            axes = context.Ints("axes");
            steps = null;
        }
        else
        {
            starts = ConstantLongs(context, 1, "starts");
            ends = ConstantLongs(context, 2, "ends");
            axes = ConstantLongs(context, 3, "axes");
            steps = ConstantLongs(context, 4, "steps");
        }
        bool fromAttributes = context.Opset < 10;
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            long[] s = fromAttributes ? starts! : Longs(starts, x, 1)!;
            long[] e = fromAttributes ? ends! : Longs(ends, x, 2)!;
            long[]? a = fromAttributes ? axes : Longs(axes, x, 3);
            long[]? st = fromAttributes ? null : Longs(steps, x, 4);
            Tensor result = x[0].alias();
            long rank = x[0].dim();
            for (int i = 0; i < s.Length; i++)
            {
                long axis = a is null ? i : (a[i] < 0 ? a[i] + rank : a[i]);
                long step = st is null ? 1 : st[i];
                if (step <= 0)
                    throw new OnnxModuleException($"Slice with step {step} is not supported (positive steps are).");
                long size = result.shape[axis];
                long start = Math.Clamp(s[i] < 0 ? s[i] + size : s[i], 0, size);
                long end = Math.Clamp(e[i] < 0 ? e[i] + size : e[i], 0, size);
                Tensor next = result.slice(axis, start, Math.Max(start, end), step);
                result.Dispose();
                result = next;
            }
            return result;
        });
    }

    private static IOnnxOperator Cast(OperatorBuildContext context)
    {
        var to = (DataType)context.Int("to", 0);
        ScalarType type = to switch
        {
            DataType.Float => ScalarType.Float32,
            DataType.Double => ScalarType.Float64,
            DataType.Float16 => ScalarType.Float16,
            DataType.Int64 => ScalarType.Int64,
            DataType.Int32 => ScalarType.Int32,
            DataType.Uint8 => ScalarType.Byte,
            DataType.Int8 => ScalarType.Int8,
            DataType.Bool => ScalarType.Bool,
            _ => throw context.Error($"attribute 'to' = {OnnxTypeNames.Of(to)}: casting to it is not implemented " +
                "(FLOAT, DOUBLE, FLOAT16, INT64, INT32, UINT8, INT8 and BOOL are); cast to one of those"),
        };
        return Other((in NodeInputs x, in OperatorRunContext _) => x[0].to_type(type));
    }

    private static IOnnxOperator Pad(OperatorBuildContext context)
    {
        string mode = context.String("mode") is { Length: > 0 } m ? m : "constant";
        PaddingModes torchMode = mode switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            _ => throw context.Error($"pad mode '{mode}' is not supported (constant, reflect and edge are)"),
        };
        long[]? constantPads;
        double value;
        if (context.Opset < 11)
        {
            constantPads = context.Ints("pads") ?? throw context.Error("the pads attribute is missing");
            value = context.Float("value", 0f);
        }
        else
        {
            constantPads = ConstantLongs(context, 1, "pads");
            value = context.HasInput(2) ? TensorData.ToDoubleArray(context.StaticInput(2, "constant_value"))[0] : 0.0;
            if (context.HasInput(3)) throw context.Error("Pad with an axes input is not supported");
        }
        return Other((in NodeInputs x, in OperatorRunContext _) =>
        {
            long[] pads = Longs(constantPads, x, 1)!;
            int rank = pads.Length / 2;
            // ONNX lists all begins then all ends from the first dimension; libtorch pairs (begin, end) from the last
            var torchPads = new long[pads.Length];
            for (int i = 0; i < rank; i++)
            {
                int fromLast = rank - 1 - i;
                torchPads[2 * fromLast] = pads[i];
                torchPads[2 * fromLast + 1] = pads[i + rank];
            }
            int trailing = torchPads.Length;
            while (trailing > 0 && torchPads[trailing - 1] == 0 && torchPads[trailing - 2] == 0) trailing -= 2;
            if (trailing == 0) return x[0];
            return nn.functional.pad(x[0], torchPads[..trailing], torchMode, value);
        });
    }
}
