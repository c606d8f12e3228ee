using TransferLearning.ML.Data;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training;

public sealed class TransferVsFeaturesTests : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("features");

    [SharedFact(TrainingData.MobileNet, TrainingData.PneumoniaMnistFolder)]
    public void Fine_tuning_the_last_blocks_beats_feature_extraction_on_PneumoniaMNIST_validation_accuracy()
    {
        var train = TrainingData.PneumoniaMnist("train", perClass: 400);
        var validation = TrainingData.PneumoniaMnist("val", perClass: 100);
        // 28×28 images: 64×64 inputs cost a twelfth of 224×224 and lose nothing the images have
        TransferLearner Base() => TransferLearner.For(TrainingData.MobileNetV2)
            .WithSplits(train, validation)
            .WithPreprocessing(ImagePreprocessing.ImageNet224 with { Width = 64, Height = 64 })
            .WithSeed(5)
            .WithBootstrap(0);

        var features = Base().ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = _cache }).Fit();
        var fineTuned = Base().FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = 5, UnfreezeLastBlocks = 8 }).Fit();

        Assert.True(fineTuned.ValidationMetrics!.Accuracy > features.ValidationMetrics!.Accuracy,
            $"fine-tuned {fineTuned.ValidationMetrics.Accuracy:F3} vs features {features.ValidationMetrics.Accuracy:F3}");
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}
