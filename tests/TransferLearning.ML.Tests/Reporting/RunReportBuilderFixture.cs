using TransferLearning.ML.Tests.Training;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Reporting;

/// <summary>
/// One small feature-extraction model on 24 + 24 Kermany chest X-rays (half of them held out as validation and
/// test), trained once and shared by the report, evaluation and test-time-augmentation tests.
/// </summary>
public sealed class TrainedKermanyModel : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("report-features");
    private readonly Lazy<TrainingResult> _result;

    public TrainedKermanyModel() => _result = new(() => TransferLearner.For(TrainingData.MobileNetV2)
        .WithImages(TrainingData.KermanySubset(perClass: 24))
        .Split(validation: 0.25, test: 0.25, seed: 5)
        .WithSeed(3)
        .ExtractFeatures(new FeatureExtractionOptions { Epochs = 10, CacheDirectory = _cache })
        .WithBootstrap(100)
        .Fit());

    public TrainingResult Result => _result.Value;

    public void Dispose()
    {
        if (_result.IsValueCreated) _result.Value.Model.Dispose();
        Directory.Delete(_cache, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedKermanyModelCollection : ICollectionFixture<TrainedKermanyModel>
{
    public const string Name = "trained Kermany model";
}
