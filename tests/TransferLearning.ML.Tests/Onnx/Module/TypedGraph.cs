using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>
/// A small graph whose input "x" has any element type and whose initializers may have any type, for dtype tests;
/// output "y" (type left to inference). <see cref="TypedRun"/> runs it in ONNX Runtime and in the module.
/// </summary>
internal sealed class TypedGraph
{
    private readonly ModelProto _model;
    private int _nodes;

    public TypedGraph(DataType inputType, long[] shape, int opset = 13, bool microsoft = false)
    {
        InputType = inputType;
        Shape = shape;
        var s = new TensorShapeProto();
        foreach (long d in shape) s.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        var graph = new GraphProto { Name = "typed" };
        graph.Input.Add(new ValueInfoProto
        {
            Name = "x",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)inputType, Shape = s } },
        });
        graph.Output.Add(new ValueInfoProto { Name = "y" });
        _model = new ModelProto { IrVersion = opset >= 23 ? 11 : opset >= 21 ? 10 : opset >= 19 ? 9 : 8, Graph = graph, ProducerName = "tests" };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        if (microsoft) _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
    }

    public DataType InputType { get; }
    public long[] Shape { get; }
    public ModelProto Model => _model;

    /// <summary>An initializer of any type; <paramref name="shape"/> null makes it a scalar.</summary>
    public TypedGraph Tensor(string name, DataType type, long[]? shape, params double[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        if (shape is not null) t.Dims.Add(shape);
        switch (type)
        {
            case DataType.Float: t.FloatData.Add(values.Select(v => (float)v)); break;
            case DataType.Double: t.DoubleData.Add(values); break;
            case DataType.Int64: t.Int64Data.Add(values.Select(v => (long)v)); break;
            case DataType.Uint32 or DataType.Uint64: t.Uint64Data.Add(values.Select(v => (ulong)v)); break;
            default: t.Int32Data.Add(values.Select(v => (int)v)); break;
        }
        _model.Graph.Initializer.Add(t);
        return this;
    }

    /// <summary>A 1-d INT64 initializer.</summary>
    public TypedGraph Ints(string name, params long[] values) =>
        Tensor(name, DataType.Int64, [values.Length], values.Select(v => (double)v).ToArray());

    /// <summary>Seeded values of <paramref name="type"/>: small integers for integer types, uniform floats otherwise.</summary>
    public TypedGraph Random(string name, DataType type, long[] shape, int seed, bool nonZero = false) =>
        Tensor(name, type, shape, Values(type, shape.Aggregate(1L, (a, b) => a * b), seed, nonZero));

    public TypedGraph Node(string opType, string[] inputs, string output, params (string Name, object Value)[] attributes) =>
        DomainNode("", opType, inputs, output, attributes);

    public TypedGraph DomainNode(string domain, string opType, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}", Domain = domain };
        node.Input.Add(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            var a = new AttributeProto { Name = name };
            switch (value)
            {
                case long i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
                case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
                case long[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.Add(ints); break;
                case float[] floats: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.Add(floats); break;
                default: throw new ArgumentException($"attribute {name}: {value.GetType()}");
            }
            node.Attribute.Add(a);
        }
        _model.Graph.Node.Add(node);
        return this;
    }

    public static double[] Values(DataType type, long count, int seed, bool nonZero = false)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = type switch
            {
                DataType.Uint8 => random.Next(0, 12),
                DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 => random.Next(-6, 7),
                DataType.Bool => random.Next(0, 2),
                _ => Math.Round(random.NextDouble() * 4 - 2, 3),
            };
            if (nonZero && values[i] == 0) values[i] = type == DataType.Uint8 ? 3 : -3;
        }
        return values;
    }
}

/// <summary>A tensor's element type, shape and values (as doubles) from either runtime.</summary>
internal sealed record TypedResult(DataType Type, long[] Shape, double[] Values)
{
    /// <summary>Same type and shape, and |a - b| &lt;= atol + rtol * |b| element-wise.</summary>
    public string? Mismatch(TypedResult reference, double rtol = 1e-3, double atol = 1e-5)
    {
        if (Type != reference.Type) return $"type {Type} instead of {reference.Type}";
        if (!Shape.SequenceEqual(reference.Shape)) return $"shape [{string.Join(",", Shape)}] instead of [{string.Join(",", reference.Shape)}]";
        for (int i = 0; i < Values.Length; i++)
            if (!(Math.Abs(Values[i] - reference.Values[i]) <= atol + rtol * Math.Abs(reference.Values[i])))
                return $"element {i}: {Values[i]} instead of {reference.Values[i]}";
        return null;
    }
}

internal static class TypedRun
{
    /// <summary>ONNX Runtime's output, or null when it refuses the model (a type ONNX does not allow for the op).</summary>
    public static TypedResult? OnnxRuntime(TypedGraph graph, double[] input, out string? error)
    {
        error = null;
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(graph.Model.ToByteArray(), options);
            using OrtValue value = Create(graph.InputType, input, graph.Shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, ["x"], [value], ["y"]);
            var info = outputs[0].GetTensorTypeAndShape();
            var type = (DataType)(int)info.ElementDataType;
            double[] values = type switch
            {
                DataType.Float => outputs[0].GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v).ToArray(),
                DataType.Double => outputs[0].GetTensorDataAsSpan<double>().ToArray(),
                DataType.Uint8 => outputs[0].GetTensorDataAsSpan<byte>().ToArray().Select(v => (double)v).ToArray(),
                DataType.Int8 => outputs[0].GetTensorDataAsSpan<sbyte>().ToArray().Select(v => (double)v).ToArray(),
                DataType.Int16 => outputs[0].GetTensorDataAsSpan<short>().ToArray().Select(v => (double)v).ToArray(),
                DataType.Int32 => outputs[0].GetTensorDataAsSpan<int>().ToArray().Select(v => (double)v).ToArray(),
                DataType.Int64 => outputs[0].GetTensorDataAsSpan<long>().ToArray().Select(v => (double)v).ToArray(),
                DataType.Bool => outputs[0].GetTensorDataAsSpan<bool>().ToArray().Select(v => v ? 1.0 : 0.0).ToArray(),
                _ => throw new NotSupportedException($"ONNX Runtime output type {type}"),
            };
            return new TypedResult(type, info.Shape, values);
        }
        catch (OnnxRuntimeException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The module's output in eval() mode, converted to the element type it has.</summary>
    public static TypedResult Module(OnnxModule module, DataType inputType, double[] input, long[] shape)
    {
        module.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor x = torch.tensor(input, shape).to_type(ScalarTypeOf(inputType));
        Tensor y = module.forward(x);
        DataType type = y.dtype switch
        {
            ScalarType.Float32 => DataType.Float,
            ScalarType.Float64 => DataType.Double,
            ScalarType.Float16 => DataType.Float16,
            ScalarType.Byte => DataType.Uint8,
            ScalarType.Int8 => DataType.Int8,
            ScalarType.Int16 => DataType.Int16,
            ScalarType.Int32 => DataType.Int32,
            ScalarType.Int64 => DataType.Int64,
            ScalarType.Bool => DataType.Bool,
            _ => DataType.Undefined,
        };
        return new TypedResult(type, y.shape, y.to_type(ScalarType.Float64).contiguous().data<double>().ToArray());
    }

    public static ScalarType ScalarTypeOf(DataType type) => type switch
    {
        DataType.Float => ScalarType.Float32,
        DataType.Double => ScalarType.Float64,
        DataType.Float16 => ScalarType.Float16,
        DataType.Uint8 => ScalarType.Byte,
        DataType.Int8 => ScalarType.Int8,
        DataType.Int16 => ScalarType.Int16,
        DataType.Int32 => ScalarType.Int32,
        DataType.Int64 => ScalarType.Int64,
        DataType.Bool => ScalarType.Bool,
        _ => throw new NotSupportedException(type.ToString()),
    };

    private static OrtValue Create(DataType type, double[] input, long[] shape) => type switch
    {
        DataType.Float => OrtValue.CreateTensorValueFromMemory(input.Select(v => (float)v).ToArray(), shape),
        DataType.Double => OrtValue.CreateTensorValueFromMemory(input.ToArray(), shape),
        DataType.Uint8 => OrtValue.CreateTensorValueFromMemory(input.Select(v => (byte)v).ToArray(), shape),
        DataType.Int8 => OrtValue.CreateTensorValueFromMemory(input.Select(v => (sbyte)v).ToArray(), shape),
        DataType.Int16 => OrtValue.CreateTensorValueFromMemory(input.Select(v => (short)v).ToArray(), shape),
        DataType.Int32 => OrtValue.CreateTensorValueFromMemory(input.Select(v => (int)v).ToArray(), shape),
        DataType.Int64 => OrtValue.CreateTensorValueFromMemory(input.Select(v => (long)v).ToArray(), shape),
        DataType.Bool => OrtValue.CreateTensorValueFromMemory(input.Select(v => v != 0).ToArray(), shape),
        _ => throw new NotSupportedException(type.ToString()),
    };
}
