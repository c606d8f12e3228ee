using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Training;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Models;

/// <summary>
/// One small feature-extraction model (MobileNetV2 on 40 Kermany chest X-rays per class), trained once per test
/// class, and a few real images to predict. Null when ../shared is absent (the tests are then skipped).
/// </summary>
public sealed class TrainedModelFixture : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("model-features");

    public TrainedModelFixture()
    {
        if (SharedRequirement.FirstMissing([TrainingData.MobileNet, TrainingData.Kermany]) is not null) return;
        Result = TransferLearner.For(TrainingData.MobileNetV2)
            .WithImages(TrainingData.KermanySubset(40))
            .Split(validation: 0.25, test: 0.25, seed: 1)
            .ExtractFeatures(new FeatureExtractionOptions { Epochs = 10, CacheDirectory = _cache })
            .WithBootstrap(0)
            .Fit();
        string root = RepositoryPaths.SharedDataset("kermany-cxr", "train");
        // images outside the 40-per-class training subset, alternating classes
        var normal = Directory.GetFiles(Path.Combine(root, "NORMAL")).Order(StringComparer.Ordinal).Skip(200).Take(3);
        var pneumonia = Directory.GetFiles(Path.Combine(root, "PNEUMONIA")).Order(StringComparer.Ordinal).Skip(200).Take(3);
        Images = normal.Zip(pneumonia, (n, p) => new[] { n, p }).SelectMany(pair => pair).ToArray();
    }

    public TrainingResult? Result { get; }

    public TransferModel Model => Result!.Model;

    /// <summary>Six kermany-cxr images (three per class) the model was not trained on.</summary>
    public IReadOnlyList<string> Images { get; } = [];

    public void Dispose()
    {
        Result?.Model.Dispose();
        Directory.Delete(_cache, recursive: true);
    }
}
