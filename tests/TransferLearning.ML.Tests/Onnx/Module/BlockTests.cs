using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using Xunit.Abstractions;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Blocks follow each architecture's structure.</summary>
public sealed class BlockTests(ITestOutputHelper output)
{
    [SharedFact("models/architectures/vgg16.onnx")]
    public void Vgg16_has_five_feature_blocks_and_a_classifier()
    {
        using (var full = OnnxModule.FromModel(ModuleFixtures.Architecture("vgg16")))
        {
            Assert.Equal(6, full.Blocks.Count);
            Assert.All(full.Blocks.Take(5), b => Assert.Contains("MaxPool", b.NodeNames[^1]));
            Assert.Contains("Gemm", full.Blocks[5].NodeNames[^1]);
        }
        ModelProto model = ModuleFixtures.ArchitectureFeatures("vgg16", out string features);
        using var cut = OnnxModule.FromModel(model, new OnnxModuleOptions { OutputName = features });
        Assert.Equal(5, cut.Blocks.Count);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void MobileNetV2_has_one_block_per_inverted_residual()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        Assert.InRange(module.Blocks.Count, 17, 19);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void Int8_mobilenet_splits_like_the_float_one()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.Read(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx")));
        foreach (ModuleBlock block in module.Blocks) output.WriteLine(block.ToString());
        Assert.InRange(module.Blocks.Count, 17, 19);
    }

    [SharedTheory("models/architectures")]
    [InlineData("resnet18", 4, 12)]
    [InlineData("resnet50", 4, 20)]
    [InlineData("inception_v3", 11, 16)]
    [InlineData("densenet121", 5, 12)]
    [InlineData("efficientnet_b0", 15, 19)]
    [InlineData("mobilenet_v2", 17, 19)]
    public void Architecture_splits_into_a_plausible_number_of_blocks(string architecture, int min, int max)
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.Architecture(architecture));
        foreach (ModuleBlock block in module.Blocks) output.WriteLine(block.ToString());
        Assert.InRange(module.Blocks.Count, min, max);
    }

    [SharedFact("models/architectures/resnet50.onnx")]
    public void Every_parameter_belongs_to_exactly_one_block()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.Architecture("resnet50"));
        var owned = module.Blocks.SelectMany(b => b.ParameterNames).ToList();
        Assert.Equal(owned.Count, owned.Distinct().Count());
        Assert.Equal(module.parameters().Count(), owned.Count);
        Assert.Equal(module.OutputName, module.Blocks[^1].OutputName);
    }
}
