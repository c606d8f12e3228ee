using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 7 (<c>--sections heads</c>): the feature-extraction heads on the same cached MobileNetV2 features, scored
/// on the validation split of each dataset: the AdamW-trained neural head (<see cref="FeatureHeadKind.Neural"/>),
/// ML.NET's logistic regression (<see cref="FeatureHeadKind.LogisticRegression"/>, class-weighted as the library's
/// default and unweighted), and scikit-learn's <c>LogisticRegression()</c> with its defaults as the reference row
/// (bench/heads/sklearn_logreg.py on the features read back from the library's feature cache). Every row's metrics,
/// 95 % bootstrap intervals included, come from the library's <see cref="MetricsCalculator"/> at threshold 0.5.
/// </summary>
internal static class FeatureHeadSection
{
    public static void Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("7. Feature-extraction heads on the same cached features (validation split)",
            "dataset", "head", "train / val images", "accuracy [95 % CI]", "ROC-AUC [95 % CI]", "balanced acc.", "log-loss", "selected", "head seconds");
        int? perClass = settings.Quick ? 32 : settings.MaxPerClass;
        section.Note("Features: MobileNetV2 (../shared/models/mobilenetv2-imagenet.onnx) GlobalAveragePool, 1280 floats, 224×224 input " +
                     "(MedMNIST 28×28 images resized up, as in section 6), no augmented views. Validation: the official `val` split where it exists, " +
                     "else 15 % of `train` (stratified, seed 42); the official test splits are not used. " +
                     (perClass is int cap ? $"At most {cap} training images per class (seeded choice). " : "All training images. ") +
                     "Both library heads also select on this validation split (neural: best epoch by validation loss; logistic regression: " +
                     "L2 from 1e-4, 1e-3, …, 1000 by validation log-loss), so their figures are optimistic by that selection; the scikit-learn row selects nothing. " +
                     $"Metrics at threshold 0.5 (argmax for more classes), {(settings.Quick ? 200 : 1000)} bootstrap resamples, seed 42. " +
                     "Head seconds: the library's Timings[\"training\"] of the fit (features from the cache), or the scikit-learn script's wall time.");
        var backbone = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));
        foreach (string dataset in settings.Datasets)
        {
            try
            {
                RunOne(settings, report, section, backbone, dataset, perClass);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                section.Note($"{dataset} failed: {e.GetType().Name}: {e.Message}");
            }
            report.Write();
        }
    }

    private static void RunOne(BenchSettings settings, BenchReport report, BenchReport.Section section, Backbone backbone, string name, int? perClass)
    {
        var train = ImageDataset.FromFolder(settings.Dataset(name, "train"), new ImageDatasetOptions { MaxImagesPerClass = perClass, Seed = 5 });
        string officialValidation = settings.Dataset(name, "val");
        ImageDataset validation;
        if (Directory.Exists(officialValidation))
            validation = ImageDataset.FromFolder(officialValidation, new ImageDatasetOptions { ClassNames = train.ClassNames, MaxImagesPerClass = settings.Quick ? 12 : null, Seed = 5 });
        else (train, validation, _) = train.Split(validation: 0.15, test: 0, seed: 42);
        string images = $"{train.Count} / {validation.Count}";

        string cache = settings.FeatureCache ?? Directory.CreateTempSubdirectory("tl-bench-heads-").FullName;
        try
        {
            var learner = TransferLearner.For(backbone).WithSplits(train, validation).WithThreads(settings.Threads);
            if (settings.Quick) learner = learner.WithBootstrap(200);
            var neural = new FeatureExtractionOptions { CacheDirectory = cache, HeadKind = FeatureHeadKind.Neural };
            var linear = neural with { HeadKind = FeatureHeadKind.LogisticRegression };
            var heads = new (string Name, string Key, FeatureExtractionOptions Options)[]
            {
                ("neural (AdamW, 60 epochs, class-weighted)", "neural", neural),
                ("ML.NET LbfgsMaximumEntropy, class-weighted", "mlnetWeighted", linear),
                ("ML.NET LbfgsMaximumEntropy, unweighted", "mlnetUnweighted", linear with { ClassWeighting = ClassWeighting.None }),
            };
            string? featureDirectory = null;
            foreach (var (label, key, options) in heads)
            {
                TrainingResult result = learner.ExtractFeatures(options).Fit();
                using var model = result.Model;
                featureDirectory ??= result.FeatureCache!.Directory;
                string selected = options.HeadKind == FeatureHeadKind.Neural
                    ? $"epoch {result.BestEpoch}/{result.History.Count}"
                    : $"L2 {options.LogisticRegressionL2[result.BestEpoch - 1].ToString(CultureInfo.InvariantCulture)}";
                Row(section, report, name, label, key, images, result.ValidationMetrics!, selected, result.Timings.Training.TotalSeconds);
            }

            // the reference: scikit-learn on exactly the cached features the heads above were fitted on
            string work = Directory.CreateTempSubdirectory("tl-bench-sklearn-").FullName;
            try
            {
                var (trainX, width) = ReadFeatures(featureDirectory!, train);
                var (validationX, _) = ReadFeatures(featureDirectory!, validation);
                Npy.Write(Path.Combine(work, "train_x.npy"), trainX, [train.Count, width]);
                Npy.Write(Path.Combine(work, "train_y.npy"), train.Samples.Select(s => s.Label).ToArray());
                Npy.Write(Path.Combine(work, "val_x.npy"), validationX, [validation.Count, width]);
                var clock = Stopwatch.StartNew();
                RunPython(settings, Path.Combine(settings.RepositoryRoot, "bench", "heads", "sklearn_logreg.py"), work);
                double seconds = clock.Elapsed.TotalSeconds;
                int k = train.ClassNames.Count;
                byte[] raw = File.ReadAllBytes(Path.Combine(work, "val_proba.f32"));
                var probabilities = new float[validation.Count, k];
                Buffer.BlockCopy(raw, 0, probabilities, 0, raw.Length);
                var metrics = MetricsCalculator.Compute(validation.Samples.Select(s => s.Label).ToArray(), probabilities, train.ClassNames,
                    new MetricsOptions { Threshold = 0.5, BootstrapSamples = settings.Quick ? 200 : 1000, Seed = 42 });
                using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "sklearn.json")));
                var root = info.RootElement;
                string selected = $"C = 1; {root.GetProperty("iterations").GetInt32()} it." + (root.GetProperty("converged").GetBoolean() ? "" : " (not converged)");
                Row(section, report, name, $"scikit-learn {root.GetProperty("version").GetString()} LogisticRegression() (reference)", "sklearn",
                    images, metrics, selected, seconds);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
        finally
        {
            if (settings.FeatureCache is null) Directory.Delete(cache, recursive: true);
        }
    }

    private static void Row(BenchReport.Section section, BenchReport report, string dataset, string head, string key, string images,
        ClassificationMetrics m, string selected, double seconds)
    {
        var ci = m.ConfidenceIntervals;
        section.Row(dataset, head, images, BenchReport.WithInterval(m.Accuracy, ci?.Accuracy), BenchReport.WithInterval(m.RocAuc, ci?.RocAuc), m.BalancedAccuracy,
            m.LogLoss, selected, seconds);
        string prefix = $"featureHeads.{dataset}.{key}";
        report.SetScores(prefix, m, seconds);
        report.Set($"{prefix}.balancedAccuracy", m.BalancedAccuracy);
        report.Set($"{prefix}.logLoss", m.LogLoss);
    }

    /// <summary>
    /// View 0 of every image from the library's feature cache: <c>&lt;folder&gt;/&lt;sha[..2]&gt;/&lt;sha&gt;.f32</c>, the
    /// SHA-256 of the image file's bytes (the layout FeatureCache writes).
    /// </summary>
    private static (float[] Values, int Width) ReadFeatures(string folder, ImageDataset dataset)
    {
        float[]? values = null;
        int width = 0;
        for (int i = 0; i < dataset.Count; i++)
        {
            string sha;
            using (var stream = File.OpenRead(dataset.Samples[i].Source.Path!)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            byte[] raw = File.ReadAllBytes(Path.Combine(folder, sha[..2], sha + ".f32"));
            if (values is null)
            {
                width = raw.Length / sizeof(float);
                values = new float[dataset.Count * width];
            }
            Buffer.BlockCopy(raw, 0, values, i * width * sizeof(float), raw.Length);
        }
        return (values!, width);
    }

    private static void RunPython(BenchSettings settings, string script, string folder)
    {
        var start = new ProcessStartInfo(settings.Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{settings.Python} {script} failed ({process.ExitCode}): {output}");
    }

    /// <summary>Minimal .npy (format 1.0) writer for float32 and int32 arrays.</summary>
    private static class Npy
    {
        public static void Write(string path, float[] values, long[] shape) => Write(path, "<f4", shape, MemoryMarshal.AsBytes(values.AsSpan()));

        public static void Write(string path, int[] values) => Write(path, "<i4", [values.Length], MemoryMarshal.AsBytes(values.AsSpan()));

        private static void Write(string path, string type, long[] shape, ReadOnlySpan<byte> data)
        {
            string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
            string header = $"{{'descr': '{type}', 'fortran_order': False, 'shape': ({dims}), }}";
            int total = 10 + header.Length + 1;
            header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
            using var file = File.Create(path);
            file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            file.Write(BitConverter.GetBytes((ushort)header.Length));
            file.Write(Encoding.ASCII.GetBytes(header));
            file.Write(data);
        }
    }
}
