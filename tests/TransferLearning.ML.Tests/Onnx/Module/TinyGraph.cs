using Google.Protobuf;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Builds small single-purpose ONNX graphs for operator tests: input "x" (dynamic batch), output "y".</summary>
internal sealed class TinyGraph
{
    private readonly ModelProto _model;
    private int _nodes;

    public TinyGraph(long[] inputShape, int opset = 13)
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(ValueInfo("x", inputShape, dynamicBatch: true));
        graph.Output.Add(new ValueInfoProto
        {
            Name = "y",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        _model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "tests" };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public ModelProto Model => _model;

    /// <summary>A float initializer with seeded uniform(offset - 1, offset + 1) values.</summary>
    public TinyGraph Weight(string name, long[] shape, int seed, float offset = 0f)
    {
        float[] values = ModuleFixtures.RandomInput(shape.Aggregate(1L, (a, b) => a * b), seed).Select(v => v + offset).ToArray();
        _model.Graph.Initializer.Add(TensorData.FromFloats(name, values, shape));
        return this;
    }

    public TinyGraph Ints(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.Add(values);
        _model.Graph.Initializer.Add(t);
        return this;
    }

    public TinyGraph IntScalar(string name, long value)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Int64Data.Add(value);
        _model.Graph.Initializer.Add(t);
        return this;
    }

    public TinyGraph Scalar(string name, float value)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.FloatData.Add(value);
        _model.Graph.Initializer.Add(t);
        return this;
    }

    /// <summary>Adds a node; attributes are (name, value) with long, float, string, long[] or float[] values.</summary>
    public TinyGraph Node(string opType, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}" };
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

    private static ValueInfoProto ValueInfo(string name, long[] shape, bool dynamicBatch)
    {
        var s = new TensorShapeProto();
        for (int i = 0; i < shape.Length; i++)
            s.Dim.Add(i == 0 && dynamicBatch
                ? new TensorShapeProto.Types.Dimension { DimParam = "batch" }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = s } },
        };
    }
}
