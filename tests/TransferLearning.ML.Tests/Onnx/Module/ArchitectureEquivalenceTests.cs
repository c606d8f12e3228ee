using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>The module computes what ONNX Runtime computes, for every supported CNN family.</summary>
public sealed class ArchitectureEquivalenceTests
{
    private const double Tolerance = 1e-4;

    /// <summary>Full graphs at the size their classifier was exported for, batch 1.</summary>
    public static TheoryData<string, int> FullGraphs() => new()
    {
        { "vgg16", 224 }, { "resnet18", 224 }, { "resnet50", 224 }, { "inception_v3", 299 },
        { "densenet121", 224 }, { "efficientnet_b0", 224 }, { "mobilenet_v2", 224 },
    };

    /// <summary>Feature tensors at batch 5; sizes kept small (the spatial dimensions are dynamic up to the pooling).</summary>
    public static TheoryData<string, int> CutGraphs() => new()
    {
        { "vgg16", 64 }, { "vgg19", 64 }, { "resnet18", 96 }, { "resnet50", 64 }, { "inception_v3", 139 },
        { "densenet121", 64 }, { "efficientnet_b0", 96 }, { "mobilenet_v2", 96 },
    };

    [SharedTheory("models/architectures")]
    [MemberData(nameof(FullGraphs))]
    public void Full_output_matches_onnx_runtime(string architecture, int size)
    {
        const int batch = 1;
        ModelProto model = ModuleFixtures.Architecture(architecture);
        AssertMatches(model, null, batch, size);
    }

    [SharedTheory("models/architectures")]
    [MemberData(nameof(CutGraphs))]
    public void Cut_graph_outputs_the_feature_tensor(string architecture, int size)
    {
        const int batch = 5;
        ModelProto model = ModuleFixtures.ArchitectureFeatures(architecture, out string features);
        AssertMatches(model, features, batch, size);
    }

    [SharedTheory("models/mobilenetv2-imagenet.onnx")]
    [InlineData(1)]
    [InlineData(5)]
    public void Pretrained_mobilenet_matches_onnx_runtime(int batch)
    {
        ModelProto model = ModuleFixtures.MobileNetV2();
        AssertMatches(model, null, batch, 224);
    }

    [SharedTheory("models/mobilenetv2-imagenet.onnx")]
    [InlineData(1)]
    [InlineData(5)]
    public void Pretrained_mobilenet_cut_at_pooling_gives_1280_features(int batch)
    {
        ModelProto model = ModuleFixtures.MobileNetV2();
        long[] shape = AssertMatches(model, ModuleFixtures.FeatureTensor(model), batch, 224);
        Assert.Equal([batch, 1280, 1, 1], shape);
    }

    private static long[] AssertMatches(ModelProto model, string? outputName, int batch, int size)
    {
        using var module = OnnxModule.FromModel(model, new OnnxModuleOptions { OutputName = outputName });
        module.eval();
        long[] inputShape = [batch, 3, size, size];
        float[] input = ModuleFixtures.RandomInput(inputShape.Aggregate(1L, (a, b) => a * b), seed: batch);
        using var scope = NewDisposeScope();
        Tensor actual;
        using (no_grad()) actual = module.forward(torch.tensor(input, inputShape));
        float[] reference = OnnxRuntimeReference.Run(model, module.InputName, input, inputShape, outputName);
        double error = OnnxRuntimeReference.RelativeError(ModuleFixtures.ToArray(actual), reference);
        Assert.True(error <= Tolerance, $"relative error {error:E2} > {Tolerance:E0}");
        return actual.shape;
    }
}
