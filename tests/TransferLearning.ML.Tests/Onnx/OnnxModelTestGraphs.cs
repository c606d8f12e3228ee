using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Tests.Onnx;

/// <summary>Small hand-built ONNX graphs for the model I/O and surgery specifications.</summary>
internal static class OnnxModelTestGraphs
{
    /// <summary>
    /// x [N,1,6,6] -> Conv(2 filters 3x3) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(3 classes) -> logits.
    /// Weights are seeded.
    /// </summary>
    public static ModelProto SmallClassifier(int seed = 1)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "small-classifier" };
        graph.Input.Add(ValueInfo("x", TensorProto.Types.DataType.Float, null, 1, 6, 6));
        graph.Output.Add(ValueInfo("logits", TensorProto.Types.DataType.Float, null, 3));
        graph.Initializer.Add(FloatTensor("conv.weight", Values(random, 18), 2, 1, 3, 3));
        graph.Initializer.Add(FloatTensor("conv.bias", Values(random, 2), 2));
        graph.Initializer.Add(FloatTensor("fc.weight", Values(random, 6), 3, 2));
        graph.Initializer.Add(FloatTensor("fc.bias", Values(random, 3), 3));
        graph.Node.Add(Node("conv", "Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"],
            Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)));
        graph.Node.Add(Node("relu", "Relu", ["conv_out"], ["relu_out"]));
        graph.Node.Add(Node("pool", "GlobalAveragePool", ["relu_out"], ["pooled"]));
        graph.Node.Add(Node("flatten", "Flatten", ["pooled"], ["flat"]));
        graph.Node.Add(Node("fc", "Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], Int("transB", 1)));
        return Model(graph);
    }

    public static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "transferlearning-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    public static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    public static float[] Images(int seed, int count, int channels, int height, int width) =>
        Values(new Random(seed), count * channels * height * width);

    public static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        return tensor;
    }

    /// <summary>A tensor value info whose first dimension is the symbolic batch <c>N</c> when <paramref name="batch"/> is null.</summary>
    public static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, long? batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(batch is null ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                                    : new TensorShapeProto.Types.Dimension { DimValue = batch.Value });
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static NodeProto Node(string name, string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A fresh empty folder under the system temp folder; deleted by the caller.</summary>
    public static string TemporaryFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "tl-onnx-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs a model in a bare ONNX Runtime session (2 threads) and returns the named outputs.</summary>
    public static float[][] Run(byte[] model, string inputName, float[] input, long[] inputShape, params string[] outputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(model, options);
        return Run(session, inputName, input, inputShape, outputs);
    }

    public static float[][] Run(InferenceSession session, string inputName, float[] input, long[] inputShape, params string[] outputs)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], outputs);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }
}
