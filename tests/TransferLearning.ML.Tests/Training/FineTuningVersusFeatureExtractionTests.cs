using TransferLearning.ML.Data;
using TransferLearning.ML.Training.FeatureExtraction;
using Xunit.Abstractions;

namespace TransferLearning.ML.Tests.Training;

/// <summary>
/// The reason fine-tuning exists: on images unlike ImageNet's (28×28 chest X-rays from PneumoniaMNIST, upscaled),
/// training the last blocks beats a linear head on frozen features. Both recipes run with their defaults on the
/// same 150 training images per class and are judged on the official validation split.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class FineTuningVersusFeatureExtractionTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("ft-vs-fe");

    [SharedFact(TrainingData.MobileNet, TrainingData.PneumoniaMnistFolder)]
    public void Fine_tuning_the_last_blocks_beats_feature_extraction_on_pneumoniamnist_validation_accuracy()
    {
        var train = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("pneumoniamnist", "train"),
            new ImageDatasetOptions { MaxImagesPerClass = 150, Seed = 42 });
        var validation = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("pneumoniamnist", "val"));
        TransferLearner learner = TransferLearner.For(TrainingData.MobileNetV2)
            .WithSplits(train, validation)
            .WithSeed(42)
            .WithBootstrap(0);

        var features = learner.ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = _cache }).Fit();
        var fineTuned = learner.FineTune().Fit();
        features.Model.Dispose();
        fineTuned.Model.Dispose();

        output.WriteLine($"features: {features.ValidationMetrics!.Accuracy:F4} in {features.Timings}");
        output.WriteLine($"fine-tuning: {fineTuned.ValidationMetrics!.Accuracy:F4} in {fineTuned.Timings}");
        foreach (var epoch in fineTuned.History) output.WriteLine(epoch.ToString());
        double fe = features.ValidationMetrics!.Accuracy, ft = fineTuned.ValidationMetrics!.Accuracy;
        Assert.True(ft >= fe + 0.01,
            $"fine-tuning {ft:F4} vs feature extraction {fe:F4} validation accuracy on {validation.Count} PneumoniaMNIST images");
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}
