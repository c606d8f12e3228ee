using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Models;

/// <summary>
/// Two small real feature-extraction models on the same 24 PneumoniaMNIST images (12 per class): MobileNetV2 (RGB,
/// ImageNet mean/std) and the ML.NET package's ResNet18 (BGR, 0–255 minus a mean), so an ensemble of them has to
/// give each member its own channel order and normalisation. Trained once per test class; null members when
/// ../shared is absent (the tests are then skipped).
/// </summary>
public sealed class EnsembleFixture : IDisposable
{
    public const string PneumoniaMnist = "datasets/pneumoniamnist/train";
    private readonly string _folder = TrainingData.TemporaryDirectory("ensemble");

    public EnsembleFixture()
    {
        if (SharedRequirement.FirstMissing([TrainingData.MobileNet, PneumoniaMnist]) is not null) return;
        Data = TrainingData.PneumoniaMnist("train", perClass: 12);
        Validation = TrainingData.PneumoniaMnist("val", perClass: 10);
        MobileNet = Train(TrainingData.MobileNetV2, "mobilenet");
        ResNet = Train(TrainingData.ResNet18, "resnet");
        string root = RepositoryPaths.SharedDataset("pneumoniamnist", "val");
        // images neither model was trained on, alternating classes
        var normal = Directory.GetFiles(Path.Combine(root, "normal")).Order(StringComparer.Ordinal).Skip(20).Take(3);
        var pneumonia = Directory.GetFiles(Path.Combine(root, "pneumonia")).Order(StringComparer.Ordinal).Skip(20).Take(3);
        Images = normal.Zip(pneumonia, (n, p) => new[] { n, p }).SelectMany(pair => pair).ToArray();
    }

    public TransferModel MobileNet { get; } = null!;

    public TransferModel ResNet { get; } = null!;

    public ImageDataset Data { get; } = null!;

    /// <summary>Ten official validation images per class.</summary>
    public ImageDataset Validation { get; } = null!;

    /// <summary>Six PneumoniaMNIST validation images (three per class) outside the training subset.</summary>
    public IReadOnlyList<string> Images { get; } = [];

    public string Folder => _folder;

    private TransferModel Train(Backbone backbone, string name) => TransferLearner.For(backbone)
        .WithImages(Data)
        .Split(validation: 0.25, test: 0, seed: 3)
        .ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = Path.Combine(_folder, name) })
        .WithSeed(5)
        .WithBootstrap(0)
        .Fit().Model;

    public void Dispose()
    {
        MobileNet?.Dispose();
        ResNet?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
