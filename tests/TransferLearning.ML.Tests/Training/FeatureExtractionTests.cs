using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Training;

[Collection(TrainingCollection.Name)]
public sealed class FeatureExtractionTests : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("features");

    private TransferLearner Learner(int perClass) => TransferLearner.For(TrainingData.MobileNetV2)
        .WithImages(TrainingData.KermanySubset(perClass))
        .Split(validation: 0.25, test: 0, seed: 7)
        .WithBootstrap(0)
        .ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = _cache });

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Frozen_MobileNetV2_features_separate_pneumonia_from_normal_and_a_second_fit_reuses_the_cache()
    {
        var first = Learner(perClass: 160).Fit();
        int cachedFiles = Directory.GetFiles(_cache, "*.f32", SearchOption.AllDirectories).Length;
        var second = Learner(perClass: 160).Fit();

        Assert.True(first.ValidationMetrics!.RocAuc >= 0.95, $"validation ROC-AUC {first.ValidationMetrics.RocAuc:F3}");
        Assert.Equal(first.Splits.Train.Count + first.Splits.Validation.Count, cachedFiles);
        Assert.Equal((0, cachedFiles), (first.FeatureCache!.FromCache, first.FeatureCache.Computed));
        // the second fit computed nothing and, from the same features, trained the same head
        Assert.Equal((cachedFiles, 0), (second.FeatureCache!.FromCache, second.FeatureCache.Computed));
        Assert.Equal(cachedFiles, Directory.GetFiles(_cache, "*.f32", SearchOption.AllDirectories).Length);
        Assert.Equal(first.ValidationMetrics.Accuracy, second.ValidationMetrics!.Accuracy);
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}
