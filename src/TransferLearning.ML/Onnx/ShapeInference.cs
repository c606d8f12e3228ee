using System.Runtime.InteropServices;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Static shape and element-type inference over the operators CNN exports use (convolutions, pools, element-wise
/// ops, concatenation, flatten/reshape, Gemm/MatMul, their QLinear forms, and the small integer shape
/// computations around Reshape), with the batch dimension fixed to a given value. Tensors whose shape cannot be
/// inferred (unknown operator, data-dependent shape) are simply absent; declared <c>value_info</c> fills gaps.
/// </summary>
internal sealed class ShapeInference
{
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _constants = new(StringComparer.Ordinal);

    private ShapeInference() { }

    /// <summary>Infers every tensor's shape with symbolic leading (batch) dimensions set to <paramref name="batch"/>.</summary>
    public static ShapeInference Run(OnnxModel model, long batch = 1)
    {
        var inference = new ShapeInference();
        var graph = model.Graph;
        foreach (var input in graph.Input) inference.Declare(input, batch, isInput: true);
        foreach (var tensor in graph.Initializer)
        {
            inference._shapes[tensor.Name] = tensor.Dims.ToArray();
            inference._types[tensor.Name] = tensor.DataType;
            if (IntegerValues(tensor) is { } values) inference._constants[tensor.Name] = values;
        }
        foreach (var info in graph.ValueInfo.Concat(graph.Output)) inference.Declare(info, batch, isInput: false);
        foreach (var node in model.TopologicalNodes())
        {
            try { inference.Infer(node); }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or KeyNotFoundException
                                          or OverflowException or InvalidOperationException or DivideByZeroException)
            {
                // a malformed or unusual node leaves its outputs unknown rather than failing every caller
            }
        }
        return inference;
    }

    /// <summary>The tensor's shape, batch included, or null when it could not be inferred.</summary>
    public long[]? ShapeOf(string name) => _shapes.GetValueOrDefault(name);

    /// <summary>The tensor's ONNX element type (<c>TensorProto.DataType</c>), 0 when unknown.</summary>
    public int ElementTypeOf(string name) => _types.GetValueOrDefault(name);

    private void Declare(ValueInfoProto info, long batch, bool isInput)
    {
        var tensor = info.Type?.TensorType;
        if (tensor is null) return;
        if (tensor.ElemType != 0) _types.TryAdd(info.Name, tensor.ElemType);
        if (tensor.Shape is null || _shapes.ContainsKey(info.Name)) return;
        var dims = new long[tensor.Shape.Dim.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            var dim = tensor.Shape.Dim[i];
            if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue) dims[i] = dim.DimValue;
            else if (i == 0 && isInput) dims[i] = batch;
            else if (i == 0 && dims.Length > 1) dims[i] = batch; // value_info and outputs: leading symbol is the batch
            else return;
        }
        _shapes[info.Name] = dims;
    }

    private void Set(string name, long[] shape, int type)
    {
        if (name.Length == 0) return;
        _shapes[name] = shape;
        if (type != 0) _types[name] = type;
    }

    private long[] In(NodeProto node, int index) => _shapes[node.Input[index]];

    private int TypeIn(NodeProto node, int index) => _types.GetValueOrDefault(node.Input[index]);

    private void Infer(NodeProto node)
    {
        string output = node.Output.Count > 0 ? node.Output[0] : "";
        switch (node.OpType)
        {
            case "Identity" or "Relu" or "LeakyRelu" or "Elu" or "Selu" or "Clip" or "Sigmoid" or "HardSigmoid"
                or "HardSwish" or "Tanh" or "Softmax" or "LogSoftmax" or "Exp" or "Log" or "Sqrt" or "Neg" or "Abs"
                or "Erf" or "Softplus" or "Mish" or "Gelu" or "Dropout" or "BatchNormalization" or "InstanceNormalization"
                or "LayerNormalization" or "LRN" or "Reciprocal" or "Floor" or "Ceil" or "Round":
                Set(output, In(node, 0), TypeIn(node, 0));
                if (_constants.TryGetValue(node.Input[0], out var passed) && node.OpType == "Identity") _constants[output] = passed;
                break;
            case "Cast":
                Set(output, In(node, 0), (int)Int(node, "to", 0));
                if (_constants.TryGetValue(node.Input[0], out var cast)) _constants[output] = cast;
                break;
            case "QuantizeLinear":
                Set(output, In(node, 0), node.Input.Count > 2 ? TypeIn(node, 2) : (int)TensorProto.Types.DataType.Uint8);
                break;
            case "DequantizeLinear":
                Set(output, In(node, 0), (int)TensorProto.Types.DataType.Float);
                break;
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Max" or "Min" or "Sum" or "Mean" or "PRelu" or "Where":
                Set(output, node.Input.Where(n => n.Length > 0).Select(n => _shapes[n]).Aggregate(Broadcast),
                    node.OpType == "Where" ? TypeIn(node, 1) : TypeIn(node, 0));
                break;
            case "QLinearAdd" or "QLinearMul":
                Set(output, Broadcast(In(node, 0), In(node, 3)), TypeIn(node, 7));
                break;
            case "Conv":
                Set(output, Window(node, In(node, 0), In(node, 1)[0], In(node, 1)[2..]), TypeIn(node, 0));
                break;
            case "QLinearConv":
                Set(output, Window(node, In(node, 0), In(node, 3)[0], In(node, 3)[2..]), TypeIn(node, 7));
                break;
            case "MaxPool" or "AveragePool" or "LpPool":
                Set(output, Window(node, In(node, 0), In(node, 0)[1], Ints(node, "kernel_shape")!), TypeIn(node, 0));
                break;
            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool":
                Set(output, GlobalPool(In(node, 0)), TypeIn(node, 0));
                break;
            case "QLinearGlobalAveragePool":
                Set(output, GlobalPool(In(node, 0)), TypeIn(node, 4));
                break;
            case "ReduceMean" or "ReduceMax" or "ReduceSum" or "ReduceMin" or "ReduceL2":
                Set(output, Reduce(node), TypeIn(node, 0));
                break;
            case "Flatten":
            {
                long[] shape = In(node, 0);
                int axis = Axis(Int(node, "axis", 1), shape.Length);
                Set(output, [Product(shape[..axis]), Product(shape[axis..])], TypeIn(node, 0));
                break;
            }
            case "Reshape":
                Set(output, Reshape(In(node, 0), _constants[node.Input[1]], Int(node, "allowzero", 0) == 1), TypeIn(node, 0));
                break;
            case "Squeeze" or "Unsqueeze":
                SqueezeOrUnsqueeze(node, output);
                break;
            case "Transpose":
            {
                long[] shape = In(node, 0);
                long[] perm = Ints(node, "perm") ?? Enumerable.Range(0, shape.Length).Reverse().Select(i => (long)i).ToArray();
                Set(output, perm.Select(p => shape[p]).ToArray(), TypeIn(node, 0));
                break;
            }
            case "Concat":
                Concat(node, output);
                break;
            case "Pad":
            {
                long[] shape = In(node, 0);
                long[] pads = node.Input.Count > 1 && node.Input[1].Length > 0 ? _constants[node.Input[1]] : Ints(node, "pads")!;
                Set(output, shape.Select((d, i) => d + pads[i] + pads[i + shape.Length]).ToArray(), TypeIn(node, 0));
                break;
            }
            case "Gemm":
            {
                long[] a = In(node, 0), b = In(node, 1);
                long m = Int(node, "transA", 0) == 1 ? a[1] : a[0];
                long n = Int(node, "transB", 0) == 1 ? b[0] : b[1];
                Set(output, [m, n], TypeIn(node, 0));
                break;
            }
            case "MatMul":
                Set(output, MatMul(In(node, 0), In(node, 1)), TypeIn(node, 0));
                break;
            case "QLinearMatMul":
                Set(output, MatMul(In(node, 0), In(node, 3)), TypeIn(node, 7));
                break;
            case "Constant":
                ConstantNode(node, output);
                break;
            case "Shape":
            {
                long[] shape = In(node, 0);
                Set(output, [shape.Length], (int)TensorProto.Types.DataType.Int64);
                _constants[output] = shape;
                break;
            }
            case "Gather":
                Gather(node, output);
                break;
        }
    }

    private static long[] Broadcast(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            long y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            result[i] = x == 1 ? y : y == 1 ? x : x == y ? x : throw new InvalidOperationException("not broadcastable");
        }
        return result;
    }

    /// <summary>Output shape of a convolution or pool: batch, channels, then one size per spatial axis.</summary>
    private static long[] Window(NodeProto node, long[] input, long channels, long[] kernel)
    {
        int spatial = input.Length - 2;
        long[] strides = Ints(node, "strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] dilations = Ints(node, "dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = Ints(node, "pads") ?? new long[2 * spatial];
        string autoPad = Str(node, "auto_pad") ?? "NOTSET";
        bool ceil = Int(node, "ceil_mode", 0) == 1;
        var result = new long[input.Length];
        result[0] = input[0];
        result[1] = channels;
        for (int i = 0; i < spatial; i++)
        {
            long size = input[i + 2];
            long extent = dilations[i] * (kernel[i] - 1) + 1;
            result[i + 2] = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => (size + strides[i] - 1) / strides[i],
                "VALID" => (size - extent) / strides[i] + 1,
                _ => Windows(size + pads[i] + pads[i + spatial] - extent, strides[i], ceil, size + pads[i]),
            };
        }
        return result;
    }

    private static long Windows(long span, long stride, bool ceil, long lastStartLimit)
    {
        long count = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // with ceil_mode, a window may not start in the right padding
        if (ceil && (count - 1) * stride >= lastStartLimit) count--;
        return count;
    }

    private static long[] GlobalPool(long[] input) => [input[0], input[1], .. Enumerable.Repeat(1L, input.Length - 2)];

    private long[] Reduce(NodeProto node)
    {
        long[] shape = In(node, 0);
        long[]? axes = Ints(node, "axes") ?? (node.Input.Count > 1 && node.Input[1].Length > 0 ? _constants[node.Input[1]] : null);
        bool keep = Int(node, "keepdims", 1) == 1;
        var reduced = (axes ?? Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray())
            .Select(a => Axis(a, shape.Length)).ToHashSet();
        var result = new List<long>();
        for (int i = 0; i < shape.Length; i++)
            if (!reduced.Contains(i)) result.Add(shape[i]);
            else if (keep) result.Add(1);
        return [.. result];
    }

    private static long[] Reshape(long[] input, long[] target, bool allowZero)
    {
        var result = new long[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == 0 && !allowZero) result[i] = input[i];
            else if (target[i] == -1) inferred = i;
            else result[i] = target[i];
        }
        if (inferred >= 0)
            result[inferred] = Product(input) / Product(result.Where((_, i) => i != inferred).ToArray());
        return result;
    }

    private void SqueezeOrUnsqueeze(NodeProto node, string output)
    {
        long[] shape = In(node, 0);
        long[]? axes = Ints(node, "axes") ?? (node.Input.Count > 1 ? _constants[node.Input[1]] : null);
        List<long> result;
        if (node.OpType == "Squeeze")
        {
            var drop = axes?.Select(a => Axis(a, shape.Length)).ToHashSet();
            result = shape.Where((d, i) => drop is null ? d != 1 : !drop.Contains(i)).ToList();
        }
        else
        {
            int rank = shape.Length + axes!.Length;
            var insert = axes.Select(a => Axis(a, rank)).ToHashSet();
            result = [];
            int source = 0;
            for (int i = 0; i < rank; i++) result.Add(insert.Contains(i) ? 1 : shape[source++]);
        }
        Set(output, [.. result], TypeIn(node, 0));
        if (_constants.TryGetValue(node.Input[0], out var values)) _constants[output] = values;
    }

    private void Concat(NodeProto node, string output)
    {
        var shapes = node.Input.Select(n => _shapes[n]).ToArray();
        int axis = Axis(Int(node, "axis", 0), shapes[0].Length);
        long[] result = (long[])shapes[0].Clone();
        result[axis] = shapes.Sum(s => s[axis]);
        Set(output, result, TypeIn(node, 0));
        if (node.Input.All(_constants.ContainsKey))
            _constants[output] = node.Input.SelectMany(n => _constants[n]).ToArray();
    }

    private void Gather(NodeProto node, string output)
    {
        long[] data = In(node, 0), indices = In(node, 1);
        int axis = Axis(Int(node, "axis", 0), data.Length);
        Set(output, [.. data[..axis], .. indices, .. data[(axis + 1)..]], TypeIn(node, 0));
        if (data.Length == 1 && _constants.TryGetValue(node.Input[0], out var values)
                             && _constants.TryGetValue(node.Input[1], out var at))
            _constants[output] = at.Select(i => values[i < 0 ? i + values.Length : i]).ToArray();
    }

    private void ConstantNode(NodeProto node, string output)
    {
        var attribute = node.Attribute.First();
        switch (attribute.Name)
        {
            case "value":
                Set(output, attribute.T.Dims.ToArray(), attribute.T.DataType);
                if (IntegerValues(attribute.T) is { } values) _constants[output] = values;
                break;
            case "value_int":
                Set(output, [], (int)TensorProto.Types.DataType.Int64);
                _constants[output] = [attribute.I];
                break;
            case "value_ints":
                Set(output, [attribute.Ints.Count], (int)TensorProto.Types.DataType.Int64);
                _constants[output] = attribute.Ints.ToArray();
                break;
            case "value_float":
                Set(output, [], (int)TensorProto.Types.DataType.Float);
                break;
            case "value_floats":
                Set(output, [attribute.Floats.Count], (int)TensorProto.Types.DataType.Float);
                break;
        }
    }

    private static long[] MatMul(long[] a, long[] b)
    {
        if (b.Length == 1) return a[..^1];
        if (a.Length == 1) return [.. b[..^2], b[^1]];
        long[] batch = Broadcast(a[..^2], b[..^2]);
        return [.. batch, a[^2], b[^1]];
    }

    /// <summary>The values of a small integer tensor (shapes, axes, pads), or null for any other tensor.</summary>
    private static long[]? IntegerValues(TensorProto tensor)
    {
        if (tensor.Dims.Aggregate(1L, (a, b) => a * b) > 64) return null;
        return (TensorProto.Types.DataType)tensor.DataType switch
        {
            TensorProto.Types.DataType.Int64 when !tensor.RawData.IsEmpty =>
                MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray(),
            TensorProto.Types.DataType.Int64 => tensor.Int64Data.ToArray(),
            TensorProto.Types.DataType.Int32 when !tensor.RawData.IsEmpty =>
                MemoryMarshal.Cast<byte, int>(tensor.RawData.Span).ToArray().Select(v => (long)v).ToArray(),
            TensorProto.Types.DataType.Int32 => tensor.Int32Data.Select(v => (long)v).ToArray(),
            _ => null,
        };
    }

    private static long Product(long[] dims) => dims.Aggregate(1L, (a, b) => a * b);

    private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static long[]? Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    private static string? Str(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.S.ToStringUtf8();
}
