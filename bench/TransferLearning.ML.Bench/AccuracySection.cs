using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 6: accuracy of the library's default recipes (<c>ExtractFeatures()</c>, <c>FineTune()</c>) per dataset,
/// on <c>--test-root DIR/&lt;name&gt;/test</c> when given, else on 15 % of the training images held out (never seen
/// in training nor model selection).
/// </summary>
internal static class AccuracySection
{
    // the PyTorch reference runs of ../shared/README.md (official test splits): FE, FT-5 (first seed)
    private static readonly Dictionary<string, (double Features, double FineTune)> Reference = new()
    {
        ["kermany-cxr"] = (0.800, 0.877),
        ["kidney-ct"] = (0.997, 0.995),
        ["pneumoniamnist"] = (0.851, 0.934),
        ["retinamnist"] = (0.448, 0.510),
        ["breastmnist"] = (0.885, 0.853),
    };

    public static void Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("6. Accuracy of the default recipes",
            "dataset", "mode", "train / val / test images", "split by", "evaluated on", "accuracy [95% CI]", "ROC-AUC [95% CI]", "seconds", "PyTorch reference acc.");
        section.Note(settings.Quick
            ? "Quick mode: at most 32 training images per class (12 validation), FineTune with 1 head + 1 fine-tune epoch: a smoke test, not a measurement of accuracy."
            : "Full mode: all training images, ExtractFeatures() and FineTune() with their default options (fresh feature-cache directory per run).");
        section.Note("Splits keep a patient's images on one side where the file names say who the patient is (kermany-cxr: GroupPatterns.Detect); " +
                     "intervals are the library's 95 % bootstrap intervals of the evaluated split.");
        section.Note("Validation (model selection, threshold) is the official `val` split where it exists, else 15 % of `train` (stratified, seed 42). " +
                     "The PyTorch reference (../shared/README.md: FE and FT-5, first seed) was measured on the official test splits, which only `--test-root` gives.");
        var backbone = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));
        // feature extraction everywhere first (cheap), then fine-tuning from the smallest set to the largest, so a
        // partial run covers as many datasets as possible
        var runs = settings.Datasets.Select(d => (Dataset: d, Mode: "features"))
            .Concat(settings.Datasets.OrderBy(d => Array.IndexOf(["breastmnist", "retinamnist", "kidney-ct", "pneumoniamnist", "kermany-cxr"], d))
                .Select(d => (Dataset: d, Mode: "finetune")));
        foreach (var (dataset, mode) in runs)
        {
            try
            {
                RunOne(settings, report, section, backbone, dataset, mode);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                section.Note($"{dataset} {mode} failed: {e.GetType().Name}: {e.Message}");
            }
            report.Write();
        }
    }

    private static void RunOne(BenchSettings settings, BenchReport report, BenchReport.Section section, Backbone backbone, string name, string mode)
    {
        int? perClass = settings.Quick ? 32 : null;
        string? groups = GroupPatterns.Detect(settings.Dataset(name, "train"));
        var train = ImageDataset.FromFolder(settings.Dataset(name, "train"), new ImageDatasetOptions { MaxImagesPerClass = perClass, Seed = 5, GroupPattern = groups });
        var classes = new ImageDatasetOptions { ClassNames = train.ClassNames, MaxImagesPerClass = settings.Quick ? 12 : null, Seed = 5 };
        string officialValidation = settings.Dataset(name, "val");
        bool hasValidation = Directory.Exists(officialValidation);
        ImageDataset validation, test;
        string evaluatedOn;
        if (settings.TestRoot is not null)
        {
            test = ImageDataset.FromFolder(Path.Combine(settings.TestRoot, name, "test"), classes with { MaxImagesPerClass = null });
            evaluatedOn = "test-root";
            if (hasValidation) validation = ImageDataset.FromFolder(officialValidation, classes);
            else (train, validation, _) = train.Split(validation: 0.15, test: 0, seed: 42);
        }
        else
        {
            (train, validation, test) = train.Split(validation: hasValidation ? 0 : 0.15, test: 0.15, seed: 42);
            if (hasValidation) validation = ImageDataset.FromFolder(officialValidation, classes);
            evaluatedOn = "15 % of train held out";
        }
        string cache = Directory.CreateTempSubdirectory("tl-bench-accuracy-").FullName;
        try
        {
            var learner = TransferLearner.For(backbone).WithSplits(train, validation, test).WithThreads(settings.Threads);
            learner = mode == "features"
                ? learner.ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = cache })
                : settings.Quick ? learner.FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = 1 }) : learner.FineTune();
            if (settings.Quick) learner = learner.WithBootstrap(0);
            string splitBy = groups is null ? "image" : $"patient ({train.Samples.Select(s => s.Group).Distinct().Count()} in train)";
            TrainingResult result = learner.Fit();
            using var model = result.Model;
            var metrics = result.TestMetrics!;
            double seconds = result.Timings.Total.TotalSeconds;
            report.AddAccuracy(name, mode, metrics.Accuracy, metrics.RocAuc, seconds, evaluatedOn, train.Count, metrics.ConfidenceIntervals, groups is not null);
            var reference = Reference.GetValueOrDefault(name);
            section.Row(name, mode, $"{train.Count} / {validation.Count} / {test.Count}", splitBy, evaluatedOn,
                BenchReport.WithInterval(metrics.Accuracy, metrics.ConfidenceIntervals?.Accuracy), BenchReport.WithInterval(metrics.RocAuc, metrics.ConfidenceIntervals?.RocAuc), seconds,
                mode == "features" ? reference.Features : reference.FineTune);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
}
