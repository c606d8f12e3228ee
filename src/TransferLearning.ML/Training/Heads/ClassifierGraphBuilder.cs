using Google.Protobuf;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training.Heads;

/// <summary>
/// Appends a trained <see cref="ClassifierHead"/> to a backbone graph whose single output is the feature tensor,
/// giving one standard ONNX classifier: pooling (GlobalAveragePool or Flatten), Gemm(+Relu) per dense layer
/// (dropout is the identity at inference), the output Gemm, and Softmax. Outputs: <c>logits</c> and
/// <c>probabilities</c>, both [N, classes]. The backbone part is first brought to the export versions
/// (<see cref="Onnx.OpsetUpgrade"/>: ai.onnx opset ≥ 13, a matching IR version), so the head's nodes are
/// written in their opset-13 form.
/// </summary>
internal static class ClassifierGraphBuilder
{
    public const string LogitsOutput = ClassifierOutputs.Logits;
    public const string ProbabilitiesOutput = ClassifierOutputs.Probabilities;

    /// <param name="backbone">A graph whose first output is the backbone's feature tensor, [N, C, H, W] or [N, C].</param>
    /// <param name="head">The trained head.</param>
    /// <param name="featureRank">Rank of the feature tensor including batch (2 or 4).</param>
    /// <exception cref="Onnx.OnnxModelException">The backbone's opset is below 7, or one of its nodes has no exact
    /// opset-13 form (see <see cref="Onnx.OpsetUpgrade"/>).</exception>
    public static ModelProto Append(ModelProto backbone, ClassifierHead head, int featureRank)
    {
        var model = backbone.Clone();
        Onnx.OpsetUpgrade.Apply(model);
        var graph = model.Graph;
        string features = graph.Output[0].Name;
        graph.Output.Clear();
        string prefix = UniquePrefix(graph);
        string x = features;

        if (featureRank == 4)
        {
            if (head.Options.Pooling == HeadPooling.GlobalAverage)
                x = Node(graph, "GlobalAveragePool", prefix + "pool", [x]);
            x = Node(graph, "Flatten", prefix + "flatten", [x], Attribute("axis", 1));
        }
        else if (featureRank != 2)
            throw new ArgumentException($"The feature tensor must have rank 2 or 4 (has {featureRank}).", nameof(featureRank));

        var dense = head.DenseLayers;
        for (int i = 0; i < dense.Count; i++)
        {
            var (layer, _, relu) = dense[i];
            string name = i == dense.Count - 1 ? prefix + "output" : $"{prefix}dense{i}";
            graph.Initializer.Add(FloatTensor(name + ".weight", layer.weight!));
            graph.Initializer.Add(FloatTensor(name + ".bias", layer.bias!));
            string output = i == dense.Count - 1 ? LogitsOutput : name;
            Node(graph, "Gemm", name, [x, name + ".weight", name + ".bias"], output, Attribute("transB", 1));
            x = relu ? Node(graph, "Relu", name + ".relu", [output]) : output;
        }
        Node(graph, "Softmax", prefix + "softmax", [x], ProbabilitiesOutput, Attribute("axis", 1));

        graph.Output.Add(Output(LogitsOutput, head.Classes));
        graph.Output.Add(Output(ProbabilitiesOutput, head.Classes));
        return model;
    }

    private static string UniquePrefix(GraphProto graph)
    {
        var names = new HashSet<string>(graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(i => i.Name)));
        string prefix = "head/";
        for (int i = 2; names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal)); i++)
            prefix = $"head{i}/";
        if (names.Contains(LogitsOutput) || names.Contains(ProbabilitiesOutput))
            throw new InvalidOperationException($"The backbone graph already has a tensor named '{LogitsOutput}' or '{ProbabilitiesOutput}'.");
        return prefix;
    }

    private static string Node(GraphProto graph, string op, string name, string[] inputs, params AttributeProto[] attributes) =>
        Node(graph, op, name, inputs, name + ".out", attributes);

    private static string Node(GraphProto graph, string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        graph.Node.Add(node);
        return output;
    }

    private static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static TensorProto FloatTensor(string name, Tensor value)
    {
        using var cpu = value.detach().cpu().contiguous();
        float[] data = cpu.data<float>().ToArray();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.Add(cpu.shape);
        byte[] raw = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
        proto.RawData = ByteString.CopyFrom(raw);
        return proto;
    }

    private static ValueInfoProto Output(string name, int classes)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = classes });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
