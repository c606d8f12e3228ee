using Microsoft.ML;
using TransferLearning.ML.MLNet;
using TransferLearning.ML.Tests.Training;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.MLNet;

/// <summary>An ML.NET row: an image path and its class name.</summary>
public sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>
/// One ML.NET pipeline (MapValueToKey on the label, then the TransferLearning trainer in feature-extraction mode)
/// fitted on 40 Kermany images per class, and 20 other images per class to score.
/// </summary>
public sealed class MLNetFixture : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("mlnet-features");

    public MLNetFixture()
    {
        if (SharedRequirement.FirstMissing([TrainingData.MobileNet, TrainingData.Kermany]) is not null) return;
        var training = TrainingData.KermanySubset(40);
        TrainRows = training.Samples.Select(s => new ImageRow { ImagePath = s.Source.Path!, Label = training.ClassNames[s.Label] }).ToArray();
        var used = TrainRows.Select(r => r.ImagePath).ToHashSet();
        string root = RepositoryPaths.SharedDataset("kermany-cxr", "train");
        TestRows = new[] { "NORMAL", "PNEUMONIA" }
            .SelectMany(label => Directory.GetFiles(Path.Combine(root, label)).Order(StringComparer.Ordinal)
                .Where(p => !used.Contains(p)).Skip(100).Take(20).Select(p => new ImageRow { ImagePath = p, Label = label }))
            .ToArray();

        var trainer = Context.MulticlassClassification.Trainers.TransferLearning(new TransferLearningTrainerOptions
        {
            Backbone = TrainingData.MobileNetV2,
            Recipe = new FeatureExtractionOptions { Epochs = 10, CacheDirectory = _cache },
            ValidationFraction = 0.25,
            Seed = 1,
        });
        var keyed = Context.Transforms.Conversion.MapValueToKey("Label").Fit(Context.Data.LoadFromEnumerable(TrainRows));
        var (scorer, result) = trainer.Train(keyed.Transform(Context.Data.LoadFromEnumerable(TrainRows)));
        Training = result;
        Pipeline = keyed.Append(scorer);
    }

    public MLContext Context { get; } = new(seed: 1);

    public ImageRow[] TrainRows { get; } = [];

    public ImageRow[] TestRows { get; } = [];

    /// <summary>MapValueToKey("Label") followed by the fitted trainer.</summary>
    public ITransformer Pipeline { get; } = null!;

    public TrainingResult Training { get; } = null!;

    public void Dispose()
    {
        Training?.Model.Dispose();
        Directory.Delete(_cache, recursive: true);
    }
}
