using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx.Module;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>
/// From-scratch initialisation of a graph whose batch norms were folded at export (mobilenetv2-imagenet.onnx):
/// Kaiming weights alone let the signal vanish through 17 blocks; LSUV scaling brings it back to unit variance.
/// </summary>
public sealed class UnitVarianceInitializationTests
{
    [SharedFact("models/mobilenetv2-imagenet.onnx", "datasets/kermany-cxr/train")]
    public void Scaling_to_unit_variance_makes_a_re_initialised_folded_graph_pass_a_signal()
    {
        var backbone = Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        var images = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"),
            new ImageDatasetOptions { MaxImagesPerClass = 4, Seed = 3 });
        using var loader = new ImageBatchLoader(images, backbone.Preprocessing, new BatchLoaderOptions { BatchSize = 8 });
        ImageBatch batch = loader.ReadEpoch(0).First();
        using var input = tensor(batch.Pixels.ToArray(), [batch.Count, 3, 224, 224]);

        using var module = OnnxModule.FromModel(backbone.FeatureGraph.Proto);
        Assert.False(module.HasBatchNormalization);
        module.ReinitializeParameters(5);
        double vanished = FeatureSpread(module, input);

        int layers = module.ScaleInitializationToUnitVariance(input);
        Assert.Equal(52, layers); // every convolution of MobileNetV2's feature extractor
        double spread = FeatureSpread(module, input);

        Assert.True(vanished < 1e-3, $"plain Kaiming initialisation was expected to lose the signal (spread {vanished:G3})");
        Assert.True(spread > 0.01 && spread > 100 * vanished, $"spread {spread:G3} after scaling, {vanished:G3} before");

        // the same seed and sample give the same weights
        using var again = OnnxModule.FromModel(backbone.FeatureGraph.Proto);
        again.ReinitializeParameters(5);
        again.ScaleInitializationToUnitVariance(input);
        Assert.All(module.parameters().Zip(again.parameters()), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
    }

    [SharedFact("models/architectures/densenet121.onnx", "models/architectures/resnet18.onnx")]
    public void Whether_a_graph_keeps_its_batch_normalization_is_reported()
    {
        using var densenet = OnnxModule.FromModel(ModuleFixtures.Architecture("densenet121"));
        Assert.True(densenet.HasBatchNormalization);
        using var resnet = OnnxModule.FromModel(ModuleFixtures.Architecture("resnet18")); // exported with folded batch norms
        Assert.False(resnet.HasBatchNormalization);
    }

    /// <summary>Standard deviation across the batch of the pooled features, averaged over features.</summary>
    private static double FeatureSpread(OnnxModule module, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        module.eval();
        Tensor features = module.forward(input).flatten(1);
        return features.std(0).mean().item<float>();
    }
}
