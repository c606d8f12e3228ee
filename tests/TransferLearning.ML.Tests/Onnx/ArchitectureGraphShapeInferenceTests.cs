using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

/// <summary>The static shape inference behind FindFeatureTensor and CutAt agrees with ONNX Runtime on every
/// intermediate tensor of the architecture graphs (padding, ceil-mode pools, concatenations, squeeze-excite).</summary>
public sealed class ArchitectureGraphShapeInferenceTests
{
    [SharedTheory("models/architectures")]
    [InlineData("resnet18", 224)]
    [InlineData("inception_v3", 299)]
    [InlineData("densenet121", 224)]
    [InlineData("efficientnet_b0", 224)]
    [InlineData("mobilenet_v2", 224)]
    public void Inferred_shapes_match_onnx_runtime_on_every_tensor(string architecture, int size)
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture(architecture)).MaterializeParameterInputs(seed: 1);
        var inference = ShapeInference.Run(model, batch: 2);
        var proto = model.Proto.Clone();
        string[] tensors = proto.Graph.Node.Where(n => n.OpType is not ("Constant" or "Identity"))
            .SelectMany(n => n.Output).Where(o => o != "logits").ToArray();
        foreach (string name in tensors)
            proto.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(proto),
            new SessionOptions { IntraOpNumThreads = 2, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL });
        float[] images = Images(seed: 1, count: 2, channels: 3, height: size, width: size);
        using var input = OrtValue.CreateTensorValueFromMemory(images, [2, 3, size, size]);

        using var results = session.Run(new RunOptions(), ["input"], [input], tensors);

        Assert.True(tensors.Length > 40);
        for (int i = 0; i < tensors.Length; i++)
            Assert.True(results[i].GetTensorTypeAndShape().Shape.SequenceEqual(inference.ShapeOf(tensors[i]) ?? []),
                $"{tensors[i]}: ONNX Runtime [{string.Join(",", results[i].GetTensorTypeAndShape().Shape)}], " +
                $"inferred [{string.Join(",", inference.ShapeOf(tensors[i]) ?? [])}]");
    }
}
