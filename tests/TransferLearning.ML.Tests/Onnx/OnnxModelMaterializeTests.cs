using System.Runtime.InteropServices;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class OnnxModelMaterializeTests
{
    private static OnnxModel Architecture(string name) => OnnxModel.Load(RepositoryPaths.SharedArchitecture(name));

    /// <summary>An initializer's values; torch.onnx exports some parameters as Identity copies of others.</summary>
    private static float[] Values(OnnxModel model, string name)
    {
        while (model.Graph.Node.FirstOrDefault(n => n.OpType == "Identity" && n.Output[0] == name) is { } copy)
            name = copy.Input[0];
        return MemoryMarshal.Cast<byte, float>(model.Graph.Initializer.Single(t => t.Name == name).RawData.Span).ToArray();
    }

    [SharedFact("models/architectures/resnet18.onnx")]
    public void Same_seed_gives_identical_bytes()
    {
        var graph = Architecture("resnet18");

        byte[] first = graph.MaterializeParameterInputs(seed: 5).ToBytes();
        byte[] second = graph.MaterializeParameterInputs(seed: 5).ToBytes();

        Assert.Equal(first, second);
    }

    [SharedFact("models/architectures/resnet18.onnx")]
    public void Different_seeds_give_different_weights()
    {
        var graph = Architecture("resnet18");

        var first = graph.MaterializeParameterInputs(seed: 5);
        var second = graph.MaterializeParameterInputs(seed: 6);

        Assert.NotEqual(Values(first, "fc.weight"), Values(second, "fc.weight"));
    }

    [SharedFact("models/architectures/densenet121.onnx")]
    public void Every_parameter_becomes_an_initializer_and_the_image_stays_an_input()
    {
        var graph = Architecture("densenet121");

        var model = graph.MaterializeParameterInputs(seed: 1);

        var input = Assert.Single(model.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(graph.Graph.Input.Count - 1, model.Graph.Initializer.Count);
        Assert.Equal(graph.Graph.Input.Count, graph.Inputs.Count); // the original is unchanged
    }

    [SharedFact("models/architectures/densenet121.onnx")]
    public void Default_initialization_gives_identity_batch_normalization_and_zero_biases()
    {
        var model = Architecture("densenet121").MaterializeParameterInputs(seed: 1);

        Assert.All(Values(model, "features.norm5.weight"), v => Assert.Equal(1f, v));
        Assert.All(Values(model, "features.norm5.bias"), v => Assert.Equal(0f, v));
        Assert.All(Values(model, "features.norm5.running_mean"), v => Assert.Equal(0f, v));
        Assert.All(Values(model, "features.norm5.running_var"), v => Assert.Equal(1f, v));
        Assert.All(Values(model, "classifier.bias"), v => Assert.Equal(0f, v));
    }

    [SharedFact("models/architectures/vgg16.onnx")]
    public void Default_convolution_weights_are_kaiming_normal_with_fan_out()
    {
        var model = Architecture("vgg16").MaterializeParameterInputs(seed: 3);
        var weight = model.Graph.Initializer.Single(t => t.Name == "features.28.weight"); // 512x512x3x3

        float[] values = Values(model, weight.Name);
        double mean = values.Average(v => (double)v);
        double std = Math.Sqrt(values.Average(v => ((double)v - mean) * ((double)v - mean)));

        Assert.Equal([512L, 512, 3, 3], weight.Dims);
        Assert.InRange(mean, -1e-4, 1e-4);
        Assert.InRange(std / Math.Sqrt(2.0 / (512 * 9)), 0.99, 1.01);
    }

    [SharedFact("models/architectures/densenet121.onnx")]
    public void RandomForTesting_draws_batch_normalization_statistics_in_their_ranges()
    {
        var model = Architecture("densenet121").MaterializeParameterInputs(seed: 2, ParameterInitialization.RandomForTesting);

        float[] variance = Values(model, "features.norm5.running_var");
        float[] mean = Values(model, "features.norm5.running_mean");

        Assert.All(variance, v => Assert.InRange(v, 0.5f, 1.5f));
        Assert.True(variance.Distinct().Count() > variance.Length / 2);
        Assert.All(mean, v => Assert.InRange(v, -0.5f, 0.5f));
        Assert.Contains(mean, v => v != 0);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void A_model_with_initializers_is_left_as_it_is()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

        var materialized = model.MaterializeParameterInputs(seed: 1);

        Assert.Equal(model.Proto, materialized.Proto);
    }
}
