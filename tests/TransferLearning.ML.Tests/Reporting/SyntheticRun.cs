using SkiaSharp;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Reporting;
using TransferLearning.ML.Tests.Metrics;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Reporting;

/// <summary>A plausible seeded training history: a head phase, then fine-tuning with a falling learning rate.</summary>
internal static class SyntheticRun
{
    public static IReadOnlyList<EpochMetrics> History(int headEpochs = 4, int fineTuneEpochs = 8, int seed = 3)
    {
        var random = new Random(seed);
        var epochs = new List<EpochMetrics>();
        for (int epoch = 1; epoch <= headEpochs + fineTuneEpochs; epoch++)
        {
            bool head = epoch <= headEpochs;
            double progress = epoch / (double)(headEpochs + fineTuneEpochs);
            double noise = (random.NextDouble() - 0.5) * 0.04;
            double trainLoss = 0.75 * Math.Exp(-2.2 * progress) + 0.05;
            double validationLoss = 0.7 * Math.Exp(-1.6 * progress) + 0.12 + noise;
            epochs.Add(new EpochMetrics(epoch, head ? "head" : "finetune", trainLoss, 1 - trainLoss / 2.2,
                validationLoss, 0.96 - validationLoss / 2.5 + noise, 0.99 - validationLoss / 8,
                head ? 1e-3 : 1e-4 * (1 - progress / 2), 41.5 + random.NextDouble() * 3));
        }
        return epochs;
    }

    /// <summary>A report of the "binary" fixture as if it were a chest X-ray run, with every section filled.</summary>
    public static RunReport Report(int bootstrapSamples = 200)
    {
        var fixture = MetricFixture.Load("binary");
        var probabilities = fixture.ProbabilityMatrix();
        var metrics = MetricsCalculator.Compute(fixture.Labels, probabilities, fixture.ClassNames,
            new MetricsOptions { BootstrapSamples = bootstrapSamples });
        var errors = ConfidentError.Find(fixture.Labels, probabilities, count: 6);
        return new RunReport
        {
            Title = "MobileNetV2 fine-tuned on chest X-rays <synthetic> & co",
            CreatedAt = new DateTimeOffset(2026, 11, 22, 20, 0, 0, TimeSpan.Zero),
            Dataset = new DatasetSummary(fixture.ClassNames, new Dictionary<string, IReadOnlyList<int>>
            {
                ["train"] = [1073, 3100],
                ["validation"] = [268, 775],
                ["test"] = [.. fixture.Expected.Support],
            }),
            Configuration =
            [
                new("backbone", "mobilenetv2-imagenet.onnx"),
                new("strategy", "fine-tune last 5 blocks"),
                new("image size", "224×224"),
                new("note", "<script>alert('x')</script> \"quoted\" & ampersand"),
            ],
            Timings = [new("feature extraction", TimeSpan.FromSeconds(42.3)), new("training", TimeSpan.FromMinutes(7.5)), new("evaluation", TimeSpan.FromSeconds(3.1))],
            History = History(),
            Metrics = metrics,
            ConfidentlyWrong = [.. errors.Select((e, i) => new MisclassifiedExample(
                Thumbnail(e.Index, heat: false), fixture.ClassNames[e.TrueClass], fixture.ClassNames[e.PredictedClass],
                e.Confidence, i % 2 == 0 ? Thumbnail(e.Index, heat: true) : null, $"image-{e.Index:D4}.jpeg"))],
            Notes = ["Synthetic data: the metrics come from a seeded fixture, not from a trained model."],
        };
    }

    /// <summary>A 96×96 grey radial pattern (or a red-yellow "heat map"), different per index.</summary>
    public static byte[] Thumbnail(int index, bool heat)
    {
        using var bitmap = new SKBitmap(96, 96);
        for (int y = 0; y < 96; y++)
            for (int x = 0; x < 96; x++)
            {
                double d = Math.Sqrt((x - 48 - index % 20) * (x - 48 - index % 20) + (y - 48) * (y - 48)) / 68;
                byte v = (byte)(255 * Math.Clamp(1 - d, 0, 1));
                bitmap.SetPixel(x, y, heat ? new SKColor(255, v, 0) : new SKColor(v, v, v));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
