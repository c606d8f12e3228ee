using System.Diagnostics;
using System.Globalization;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section <c>--sections ensemble</c> (not in the default list): MobileNetV2 and ResNet18 (the Microsoft.ML.DnnImageFeaturizer.ResNet18
/// package's CNTK export), each trained with <c>ExtractFeatures()</c> at its defaults (logistic regression, L2 chosen on the
/// official <c>val</c> split), and <see cref="TransferModel.Ensemble"/> of the two (equal weights), all scored on 15 % of
/// <c>train</c> held out (<see cref="ImageDataset.Split"/>, seed 42) that no model saw. Every figure comes from the exported
/// graphs run in ONNX Runtime (<see cref="ModelEvaluator.Probabilities"/>) and the library's <see cref="MetricsCalculator"/>
/// (1000 bootstrap resamples, seed 42); the paired difference ensemble − member resamples the same images for both.
/// </summary>
internal static class EnsembleSection
{
    private const int Resamples = 1000;

    public static void Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("Ensembles of MobileNetV2 and ResNet18 (feature extraction; held-out 15 % of train)",
            "dataset", "model", "train / val / held-out", "val acc.", "val ROC-AUC", "held-out acc. [95 % CI]", "held-out ROC-AUC [95 % CI]",
            "seconds");
        var differences = report.AddSection("Ensemble minus member on the same held-out images (paired bootstrap)",
            "dataset", "ensemble − member", "Δ accuracy [95 % CI]", "Δ ROC-AUC [95 % CI]");
        section.Note("Members: `TransferLearner.For(backbone).WithSplits(train85, val).ExtractFeatures().Fit()` (default head: ML.NET L2 " +
                     "logistic regression, L2 chosen on the official `val` split by log-loss; default threshold 0.5). Ensemble: " +
                     "`TransferModel.Ensemble([mobileNet, resNet]).WithValidation(val)` (equal weights, threshold 0.5, one ONNX graph). " +
                     "Held-out: 15 % of `train` (stratified, `ImageDataset.Split(0, 0.15, seed: 42)`); the official test splits are not used. " +
                     $"Intervals: {Resamples} bootstrap resamples of the held-out images, seed 42 (the library's). " +
                     "MobileNetV2: ../shared/models/mobilenetv2-imagenet.onnx, RGB ImageNet normalisation; ResNet18: catalog `resnet18` " +
                     "(BGR, 0–255 minus the per-channel mean); both 224×224 stretched (MedMNIST 28×28 images resized up). " +
                     "Seconds: training (features + head) plus the held-out scoring of that model.");
        var mobileNet = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));
        var resNet = Backbone.ResNet18(new WeightStore(new WeightStoreOptions { PackageFileDirectory = ResNet18Folder() }));
        foreach (string dataset in settings.Datasets)
        {
            try
            {
                RunOne(settings, report, section, differences, dataset, mobileNet, resNet);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                section.Note($"{dataset} failed: {e.GetType().Name}: {e.Message}");
            }
            report.Write();
        }
    }

    private static void RunOne(BenchSettings settings, BenchReport report, BenchReport.Section section, BenchReport.Section differences,
        string name, Backbone mobileNet, Backbone resNet)
    {
        var all = ImageDataset.FromFolder(settings.Dataset(name, "train"),
            new ImageDatasetOptions { MaxImagesPerClass = settings.Quick ? 40 : settings.MaxPerClass, Seed = 5 });
        var (train, _, heldOut) = all.Split(validation: 0, test: 0.15, seed: 42);
        var validation = ImageDataset.FromFolder(settings.Dataset(name, "val"),
            new ImageDatasetOptions { ClassNames = all.ClassNames, MaxImagesPerClass = settings.Quick ? 12 : null, Seed = 5 });
        string images = $"{train.Count} / {validation.Count} / {heldOut.Count}";
        int[] labels = heldOut.Samples.Select(s => s.Label).ToArray();
        var evaluation = new EvaluationOptions { BootstrapSamples = Resamples, Seed = 42 };

        var members = new List<TransferModel>();
        var memberProbabilities = new List<float[,]>();
        string cache = Directory.CreateTempSubdirectory("tl-bench-ensemble-").FullName;
        try
        {
            foreach (var (backbone, label) in new[] { (mobileNet, "MobileNetV2"), (resNet, "ResNet18") })
            {
                var clock = Stopwatch.StartNew();
                var result = TransferLearner.For(backbone).WithSplits(train, validation).WithThreads(settings.Threads)
                    .ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = Path.Combine(cache, label) }).Fit();
                var model = result.Model;
                model.IntraOpThreads = settings.Threads;
                float[,] probabilities = ModelEvaluator.Probabilities(model, heldOut, evaluation);
                var metrics = ModelEvaluator.FromProbabilities(model, labels, probabilities, evaluation);
                Row(section, report, name, label, images, model.ValidationScores, metrics, clock.Elapsed.TotalSeconds);
                members.Add(model);
                memberProbabilities.Add(probabilities);
            }

            var ensembleClock = Stopwatch.StartNew();
            using var equal = TransferModel.Ensemble(members);
            using var ensemble = equal.WithValidation(validation);
            ensemble.IntraOpThreads = settings.Threads;
            float[,] ensembleProbabilities = ModelEvaluator.Probabilities(ensemble, heldOut, evaluation);
            var ensembleMetrics = ModelEvaluator.FromProbabilities(ensemble, labels, ensembleProbabilities, evaluation);
            Row(section, report, name, "ensemble (mean of both)", images, ensemble.ValidationScores, ensembleMetrics,
                ensembleClock.Elapsed.TotalSeconds);

            // the graph's average against the mean of the members' own outputs on the same images
            double worst = 0;
            for (int i = 0; i < labels.Length; i++)
                for (int k = 0; k < all.ClassNames.Count; k++)
                    worst = Math.Max(worst, Math.Abs(ensembleProbabilities[i, k] - (memberProbabilities[0][i, k] + memberProbabilities[1][i, k]) / 2));
            section.Note($"{name}: largest |ensemble graph − mean of the members' probabilities| over the held-out images: {worst:E1}.");
            report.Set($"ensemble.{name}.maxAverageError", worst);

            string[] memberNames = ["MobileNetV2", "ResNet18"];
            for (int m = 0; m < members.Count; m++)
            {
                var (accuracy, rocAuc) = PairedDifference(labels, ensembleProbabilities, memberProbabilities[m], all.ClassNames);
                differences.Row(name, $"ensemble − {memberNames[m]}", Format(accuracy), Format(rocAuc));
                string prefix = $"ensemble.{name}.minus{memberNames[m]}";
                report.Set($"{prefix}.accuracy", accuracy.Value);
                report.Set($"{prefix}.accuracyLower", accuracy.Lower);
                report.Set($"{prefix}.accuracyUpper", accuracy.Upper);
                report.Set($"{prefix}.rocAuc", rocAuc.Value);
                report.Set($"{prefix}.rocAucLower", rocAuc.Lower);
                report.Set($"{prefix}.rocAucUpper", rocAuc.Upper);
            }
        }
        finally
        {
            foreach (var model in members) model.Dispose();
            Directory.Delete(cache, recursive: true);
        }
    }

    /// <summary>
    /// Accuracy (threshold 0.5 / argmax) and ROC-AUC differences a − b on the same images, with the 2.5 and 97.5
    /// percentiles over <see cref="Resamples"/> resamples of the images (seed 42), each metric from <see cref="MetricsCalculator"/>.
    /// </summary>
    private static ((double Value, double Lower, double Upper) Accuracy, (double Value, double Lower, double Upper) RocAuc) PairedDifference(
        int[] labels, float[,] a, float[,] b, IReadOnlyList<string> classNames)
    {
        var plain = new MetricsOptions { BootstrapSamples = 0 };
        (double Accuracy, double RocAuc) Difference(int[] rows)
        {
            int classes = classNames.Count;
            var pa = new float[rows.Length, classes];
            var pb = new float[rows.Length, classes];
            for (int i = 0; i < rows.Length; i++)
                for (int k = 0; k < classes; k++) { pa[i, k] = a[rows[i], k]; pb[i, k] = b[rows[i], k]; }
            int[] y = rows.Select(r => labels[r]).ToArray();
            var ma = MetricsCalculator.Compute(y, pa, classNames, plain);
            var mb = MetricsCalculator.Compute(y, pb, classNames, plain);
            return (ma.Accuracy - mb.Accuracy, ma.RocAuc - mb.RocAuc);
        }
        var point = Difference(Enumerable.Range(0, labels.Length).ToArray());
        var random = new Random(42);
        var accuracies = new List<double>();
        var aucs = new List<double>();
        for (int r = 0; r < Resamples; r++)
        {
            int[] rows = new int[labels.Length];
            for (int i = 0; i < rows.Length; i++) rows[i] = random.Next(labels.Length);
            if (rows.Select(i => labels[i]).Distinct().Count() < classNames.Count) continue; // ROC-AUC needs every class
            var d = Difference(rows);
            accuracies.Add(d.Accuracy);
            aucs.Add(d.RocAuc);
        }
        static double Percentile(List<double> values, double p)
        {
            var sorted = values.Where(double.IsFinite).Order().ToArray();
            if (sorted.Length == 0) return double.NaN;
            double position = p * (sorted.Length - 1);
            int low = (int)Math.Floor(position), high = (int)Math.Ceiling(position);
            return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
        }
        return ((point.Accuracy, Percentile(accuracies, 0.025), Percentile(accuracies, 0.975)),
                (point.RocAuc, Percentile(aucs, 0.025), Percentile(aucs, 0.975)));
    }

    private static string Format((double Value, double Lower, double Upper) d) =>
        string.Create(CultureInfo.InvariantCulture, $"{d.Value:+0.000;-0.000;0.000} [{d.Lower:+0.000;-0.000;0.000}, {d.Upper:+0.000;-0.000;0.000}]");

    private static void Row(BenchReport.Section section, BenchReport report, string dataset, string model, string images,
        SplitScores? validation, ClassificationMetrics m, double seconds)
    {
        var ci = m.ConfidenceIntervals;
        string Score(double? value) => value is double v ? v.ToString("F3", CultureInfo.InvariantCulture) : "–";
        section.Row(dataset, model, images, Score(validation?.Accuracy), Score(validation?.RocAuc),
            BenchReport.WithInterval(m.Accuracy, ci?.Accuracy), BenchReport.WithInterval(m.RocAuc, ci?.RocAuc), seconds);
        string prefix = $"ensemble.{dataset}.{new string(model.TakeWhile(char.IsLetterOrDigit).ToArray())}";
        report.SetScores(prefix, m, seconds);
    }

    /// <summary>
    /// Where the Microsoft.ML.DnnImageFeaturizer.ResNet18 package's <c>DnnImageModels/</c> is: beside the bench when a build copied
    /// it there, else in the restored package under the NuGet global packages folder (<c>NUGET_PACKAGES</c> or ~/.nuget/packages),
    /// which the test and CLI projects' restore fills.
    /// </summary>
    private static string ResNet18Folder()
    {
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"))) return AppContext.BaseDirectory;
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools");
    }
}
