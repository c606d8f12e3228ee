using TransferLearning.ML.Interpretability;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Tests.Interpretability;

public sealed class GradCamTargetTests
{
    [SharedTheory("models/architectures")]
    [InlineData("resnet18", "Relu", 512, 7)]
    [InlineData("densenet121", "Relu", 1024, 7)]
    [InlineData("efficientnet_b0", "Mul", 1280, 7)]
    [InlineData("inception_v3", "Concat", 2048, 8)]
    [InlineData("mobilenet_v2", "Clip", 1280, 7)]
    public void The_default_layer_is_the_last_block_output_that_global_average_pooling_reads(string architecture, string producer, long channels, long size)
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture(architecture));

        string layer = GradCamTarget.LastConvolutionalMap(model, GradCamTarget.ScoreTensor(model));

        Assert.Equal(producer, model.Graph.Node.Single(n => n.Output.Contains(layer)).OpType);
        Assert.Equal("GlobalAveragePool", Assert.Single(model.Graph.Node, n => n.Input.Contains(layer)).OpType);
        Assert.Equal([1, channels, size, size], ShapeInference.Run(model).ShapeOf(layer)!);
    }

    [SharedFact("models/architectures/vgg16.onnx")]
    public void Without_global_pooling_the_default_layer_is_the_last_spatial_map_before_flatten()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture("vgg16"));

        string layer = GradCamTarget.LastConvolutionalMap(model, GradCamTarget.ScoreTensor(model));

        Assert.Equal("Flatten", Assert.Single(model.Graph.Node, n => n.Input.Contains(layer)).OpType);
        Assert.Equal([1, 512, 7, 7], ShapeInference.Run(model).ShapeOf(layer)!);
    }

    [SharedFact("models/architectures/resnet18.onnx")]
    public void The_scores_are_the_input_of_a_final_softmax_when_there_is_no_logits_output()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture("resnet18"));
        string logits = model.Graph.Output[0].Name;
        var softmax = new ML.Onnx.Proto.NodeProto { OpType = "Softmax", Name = "softmax" };
        softmax.Input.Add(logits);
        softmax.Output.Add("scores");
        model.Graph.Node.Add(softmax);
        model.Graph.Output[0].Name = "scores";

        Assert.Equal(logits, GradCamTarget.ScoreTensor(model));
    }
}
