using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Samples;

/// <summary>
/// The README's main command: pneumonia vs normal chest X-rays (Kermany et al.) with MobileNetV2 pretrained on
/// ImageNet, by feature extraction — a stratified 70/15/15 split, frozen features cached on disk, a softmax head
/// trained on them, the best epoch chosen on validation, metrics with 95 % intervals on the test split, an HTML
/// report and a saved model. A few minutes on two cores; a second run reuses the feature cache.
/// </summary>
public static class QuickstartRun
{
    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var arguments = SampleArguments.Parse(args, "Quickstart: pneumonia vs normal chest X-rays with MobileNetV2 features.",
            "mobilenet_v2", "kermany-cxr/train", "runs/quickstart", out int exit);
        if (arguments is null) return exit;
        if (arguments.Weights is null && SharedPaths.Model("mobilenetv2-imagenet.onnx") is { } local)
            arguments = arguments with { Weights = local };
        if (!Directory.Exists(arguments.Data))
            throw new DirectoryNotFoundException(
                $"No chest X-rays at {arguments.Data}. Download the Kermany et al. (2018) chest X-ray set (Mendeley Data, " +
                "doi:10.17632/rscbjbr9sj.2), unpack its train/ folder (NORMAL/, PNEUMONIA/) and pass --data <that folder>, " +
                "or put the project's shared/ folder beside the checkout.");

        var data = StudyRun.LoadFolder(arguments.Data, arguments);
        Console.WriteLine($"data:     {data}");
        var backbone = SampleBackbone.Resolve(arguments);
        Console.WriteLine($"backbone: {backbone}");

        var result = TransferLearner.For(backbone)
            .WithImages(data)
            .Split(validation: 0.15, test: 0.15, seed: arguments.Seed)
            .WithSeed(arguments.Seed)
            .WithThreshold(ThresholdPolicy.Youden)
            .ExtractFeatures(new FeatureExtractionOptions { Epochs = arguments.Epochs ?? 60 })
            .Fit(new ExtractionProgress());
        if (result.FeatureCache is { } cache)
            Console.WriteLine($"features: {cache.FromCache} from the cache, {cache.Computed} computed ({cache.Directory})");
        StudyRun.Finish("Quickstart — chest X-ray, MobileNetV2 features", result, arguments);
        return 0;
    });

    /// <summary>One line per extraction split and every tenth head epoch.</summary>
    private sealed class ExtractionProgress : IProgress<TrainingProgress>
    {
        private string? _phase;

        public void Report(TrainingProgress p)
        {
            if (p.Epoch == 0 && p.Phase != _phase && p.Batch == 1)
            {
                _phase = p.Phase;
                Console.WriteLine($"  {p.Phase}: {p.TotalBatches} batches");
            }
            if (p.EpochResult is { } e && (e.Epoch % 10 == 0 || e.Epoch == p.TotalEpochs))
                Console.WriteLine(FormattableString.Invariant(
                    $"  head epoch {e.Epoch}/{p.TotalEpochs}: loss {e.TrainLoss:F4}, val loss {e.ValidationLoss:F4}, val acc {e.ValidationAccuracy:F4}, val auc {e.ValidationRocAuc:F4}"));
        }
    }
}
