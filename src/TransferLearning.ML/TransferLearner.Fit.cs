using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML;

public sealed partial class TransferLearner
{
    /// <summary>
    /// Trains, selects the best epoch on validation, chooses the decision threshold, and evaluates on validation
    /// and test.
    /// </summary>
    /// <param name="progress">Receives a report after every batch and epoch; optional.</param>
    /// <param name="cancellationToken">Honoured within one batch; with checkpoints configured, the last completed
    /// epoch's checkpoint stays usable and a later <see cref="Fit"/> resumes from it.</param>
    /// <exception cref="InvalidOperationException">No images were given.</exception>
    /// <exception cref="ArgumentException">An option is out of range or does not fit the data or backbone; the message says what to change.</exception>
    /// <exception cref="ImageDataException">An image cannot be read (unless unreadable images are skipped).</exception>
    /// <exception cref="Onnx.OnnxModelException">Before the first epoch (preflight): ONNX Runtime refuses the feature
    /// graph or the classifier graph (backbone plus the untrained head), or that graph cannot be built or does not give
    /// [1, classes] for one training image; the message names the cause.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public TrainingResult Fit(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        var s = _settings;
        ValidateOptions(s);
        DatasetSplit splits = ResolveSplits(s);
        IReadOnlyList<string> classNames = splits.Train.ClassNames;
        var preprocessing = s.Preprocessing ?? s.Backbone.Preprocessing;
        var configuration = Describe(s, preprocessing);
        var weighting = s.Mode switch
        {
            TrainingMode.FeatureExtraction => s.Features.ClassWeighting,
            TrainingMode.FromScratch => s.ScratchOptions.ClassWeighting,
            _ => s.FineTuneOptions.ClassWeighting,
        };
        float[]? classWeights = weighting switch
        {
            ClassWeighting.InverseFrequency => ClassWeights.InverseFrequency(splits.Train),
            ClassWeighting.EffectiveNumber => ClassWeights.EffectiveNumber(splits.Train),
            _ => null,
        };
        if (!s.SkipUnreadableImages) Preflight(splits, s.MaxImagePixels, s.LoaderWorkers ?? Environment.ProcessorCount, cancellationToken);
        int previousThreads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(s.Threads);
        s.Logger.LogInformation("Training {Mode} on {Backbone}: {Summary}", s.Mode, s.Backbone, splits.Summary);
        if (s.Mode != TrainingMode.FeatureExtraction && Runtime.NativeAllocator.WorkerThreadAdvice() is string advice)
            s.Logger.LogWarning("{Advice}", advice);
        try
        {
            var context = new RunContext(s.Backbone, splits, preprocessing, s.Augmentation, classWeights, s.Seed, s.Threads,
                s.LoaderWorkers ?? Environment.ProcessorCount, s.DecodedCacheBytes, s.SkipUnreadableImages,
                s.MaxImagePixels, s.CheckpointDirectory, Fingerprint(s, splits, configuration), s.Logger);
            RunOutcome outcome;
            try
            {
                outcome = s.Mode switch
                {
                    TrainingMode.FeatureExtraction => FeatureExtractionRun.Execute(context, s.Features, s.Head ?? s.Features.Head, progress, cancellationToken),
                    TrainingMode.FromScratch => FineTuneRun.Execute(context, s.ScratchOptions.AsFineTune() with { Head = s.Head ?? s.ScratchOptions.Head }, true, progress, cancellationToken),
                    _ => FineTuneRun.Execute(context, s.FineTuneOptions with { Head = s.Head ?? s.FineTuneOptions.Head }, false, progress, cancellationToken),
                };
            }
            catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException
                                       && e.ToString().Contains("TorchSharp", StringComparison.Ordinal)
                                       && Runtime.NativeLoadDiagnosis.TorchSharpLoadFailure() is { } cause)
            {
                // TorchSharp blames a missing backend package whatever the cause: say what the loader said
                throw new InvalidOperationException($"TorchSharp's native library could not be loaded. {cause}", e);
            }
            TimeSpan trained = total.Elapsed;

            var manifest = new ModelManifest
            {
                ClassNames = classNames.ToArray(),
                Preprocessing = PreprocessingManifest.From(preprocessing),
                BackboneName = s.Backbone.Name,
                BackboneSha256 = s.Backbone.Sha256,
                Mode = ModeName(s.Mode),
                InputName = outcome.InputName,
                TrainingOptions = configuration,
                DecisionThreshold = classNames.Count == 2 ? 0.5 : null,
            };
            var evaluationClock = Stopwatch.StartNew();
            using var draft = new TransferModel(outcome.ClassifierOnnx, manifest) { MaxImagePixels = s.MaxImagePixels, IntraOpThreads = s.Threads };
            // the learner's seed, loader workers and skip setting, not the model's defaults
            var evaluationLoader = context.LoaderOptions(batchSize: 32) with { DecodedCacheBytes = 0 };
            // the evaluation reads the same images with the same loader settings as training: an image the loaders
            // skipped is skipped here too (and one that only now fails to read is skipped and listed) instead of
            // failing the run after all epochs
            var evaluationSkips = s.SkipUnreadableImages ? new List<SkippedFile>() : null;
            var validation = splits.Validation.Count > 0
                ? draft.PredictProbabilities(splits.Validation, cancellationToken: cancellationToken, skipUnreadable: evaluationSkips,
                    loaderOptions: evaluationLoader) : default;
            double? threshold = manifest.DecisionThreshold;
            if (classNames.Count == 2 && splits.Validation.Count > 0)
                threshold = s.Threshold.Choose(validation.Labels, EnumerateColumn(validation.Probabilities, 1));
            var metricsOptions = new MetricsOptions { Threshold = threshold ?? 0.5, BootstrapSamples = s.BootstrapSamples, Seed = s.Seed };
            // (with every image of a split skipped as unreadable there is nothing to score: its metrics stay null)
            ClassificationMetrics? validationMetrics = splits.Validation.Count > 0 && validation.Labels.Length > 0
                ? MetricsCalculator.Compute(validation.Labels, validation.Probabilities, classNames, metricsOptions) : null;
            (int[] Labels, float[,] Probabilities, int[] SampleIndices)? test = splits.Test.Count > 0
                ? draft.PredictProbabilities(splits.Test, cancellationToken: cancellationToken, skipUnreadable: evaluationSkips,
                    loaderOptions: evaluationLoader) : null;
            if (evaluationSkips is not null) foreach (var file in evaluationSkips) context.Skipped.Add(file);
            ClassificationMetrics? testMetrics = test is { } t && t.Labels.Length > 0
                ? MetricsCalculator.Compute(t.Labels, t.Probabilities, classNames, metricsOptions) : null;

            var recorded = new Dictionary<string, double>();
            void Record(string split, ClassificationMetrics? m)
            {
                if (m is null) return;
                // undefined metrics (one class in the split: NaN) are left out, so the manifest stays valid JSON
                void Put(string key, double value) { if (double.IsFinite(value)) recorded[$"{split}.{key}"] = value; }
                Put("accuracy", m.Accuracy);
                Put("balancedAccuracy", m.BalancedAccuracy);
                Put("rocAuc", m.RocAuc);
                Put("logLoss", m.LogLoss);
            }
            Record("validation", validationMetrics);
            Record("test", testMetrics);
            if (threshold is double chosen && !double.IsFinite(chosen))
            {
                s.Logger.LogWarning("The {Policy} threshold is undefined on these validation images; using 0.5", s.Threshold.Describe());
                threshold = 0.5;
            }
            var model = new TransferModel(outcome.ClassifierOnnx, manifest with
            {
                DecisionThreshold = threshold,
                ThresholdPolicy = classNames.Count == 2 ? s.Threshold.Describe() : "argmax",
                Metrics = recorded,
            }) { MaxImagePixels = s.MaxImagePixels, IntraOpThreads = s.Threads };
            var skippedFiles = splits.Train.Skipped.Concat(splits.Validation.Skipped).Concat(splits.Test.Skipped)
                .Concat(context.Skipped.Files).DistinctBy(f => f.Path).ToArray();
            if (context.Skipped.Files.Count > 0)
                s.Logger.LogWarning("{Count} unreadable image(s) were left out: {Files}", context.Skipped.Files.Count,
                    string.Join("; ", context.Skipped.Files.Take(10).Select(f => f.Path)));
            s.Logger.LogInformation("Done in {Seconds:F1}s: validation accuracy {Val:F4}, test accuracy {Test:F4}",
                total.Elapsed.TotalSeconds, validationMetrics?.Accuracy ?? double.NaN, testMetrics?.Accuracy ?? double.NaN);
            return new TrainingResult
            {
                Model = model,
                Mode = s.Mode,
                History = outcome.Run.History,
                BestEpoch = outcome.Run.BestEpoch,
                StoppedEarly = outcome.Run.StoppedEarly,
                Phases = outcome.Run.Phases,
                Splits = splits,
                ValidationMetrics = validationMetrics,
                TestMetrics = testMetrics,
                TestPredictions = test,
                SkippedFiles = skippedFiles,
                FeatureCache = outcome.FeatureCache,
                Configuration = configuration,
                Timings = new Dictionary<string, TimeSpan>
                {
                    ["features"] = outcome.FeatureExtraction,
                    ["training"] = trained - outcome.FeatureExtraction,
                    ["evaluation"] = evaluationClock.Elapsed,
                    ["total"] = total.Elapsed,
                },
            };
        }
        finally
        {
            TorchSharp.torch.set_num_threads(previousThreads);
        }
    }

    /// <summary>
    /// Before any epoch: the header of every validation and test image is read (no pixel is decoded), so a missing
    /// file, a non-image or an image over the pixel budget in those splits stops the run now, naming the file,
    /// rather than after all epochs. (Training images are read in the first epoch anyway.)
    /// </summary>
    private static void Preflight(DatasetSplit splits, long maxPixels, int workers, CancellationToken cancellationToken)
    {
        var samples = splits.Validation.Samples.Concat(splits.Test.Samples).ToArray();
        if (samples.Length == 0) return;
        var failures = new ImageDataException?[samples.Length];
        Parallel.For(0, samples.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancellationToken }, i =>
        {
            try { ImageDecoder.Probe(samples[i].Source, maxPixels); }
            catch (ImageDataException e) { failures[i] = e; }
        });
        // the first bad image in split order, whatever the thread timing
        if (failures.FirstOrDefault(f => f is not null) is { } first) throw first;
    }

    private static void ValidateOptions(LearnerSettings s)
    {
        switch (s.Mode)
        {
            case TrainingMode.FeatureExtraction: s.Features.Validate(); break;
            case TrainingMode.FromScratch: s.ScratchOptions.AsFineTune().Validate(); break;
            default: s.FineTuneOptions.Validate(); break;
        }
    }

    private static DatasetSplit ResolveSplits(LearnerSettings s)
    {
        DatasetSplit splits = s.Splits ?? (s.Images ?? throw new InvalidOperationException(
                "No images: call WithImages(ImageDataset.FromFolder(\"data\")) or WithSplits(train, validation, test) before Fit."))
            .Split(s.ValidationFraction, s.TestFraction, s.SplitSeed);
        if (splits.Train.Count == 0)
            throw new ArgumentException("The training split is empty: give more images or smaller validation/test fractions.");
        var counts = splits.Train.ClassCounts();
        if (counts.Count < 2)
            throw new ArgumentException($"A classifier needs at least two classes; the training images have {counts.Count} ({string.Join(", ", splits.Train.ClassNames)}).");
        var empty = splits.Train.ClassNames.Where((_, i) => counts[i] == 0).ToList();
        if (empty.Count > 0)
            throw new ArgumentException($"The training split has no images of class {string.Join(", ", empty)}: add images or drop the class.");
        foreach (var other in new[] { splits.Validation, splits.Test })
            if (other.Count > 0 && !other.ClassNames.SequenceEqual(splits.Train.ClassNames))
                throw new ArgumentException(
                    $"The splits name different classes (train: {string.Join(", ", splits.Train.ClassNames)}; other: {string.Join(", ", other.ClassNames)}). " +
                    "Load them with the same ImageDatasetOptions.ClassNames.");
        return splits;
    }

    private static IReadOnlyDictionary<string, string> Describe(LearnerSettings s, ImagePreprocessing p)
    {
        var d = new Dictionary<string, string>
        {
            ["mode"] = ModeName(s.Mode),
            ["backbone"] = s.Backbone.Name,
            ["backboneSha256"] = s.Backbone.Sha256,
            ["featureTensor"] = s.Backbone.Features.ToString(),
            ["input"] = $"{p.Width}x{p.Height} {p.ChannelOrder} {p.ResizeMode}, mean [{string.Join(", ", p.Normalization.Mean)}], std [{string.Join(", ", p.Normalization.Std)}]",
            ["augmentation"] = s.Augmentation.ToString(),
            ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = s.Threads.ToString(CultureInfo.InvariantCulture),
            ["threshold"] = s.Threshold.Describe(),
        };
        object options = s.Mode switch
        {
            TrainingMode.FeatureExtraction => s.Features,
            TrainingMode.FromScratch => s.ScratchOptions,
            _ => s.FineTuneOptions,
        };
        foreach (var (name, value) in OptionsDescription.Flatten(options)) d[name] = value;
        d["head"] = Describe(s.Head ?? (s.Mode switch
        {
            TrainingMode.FeatureExtraction => s.Features.Head,
            TrainingMode.FromScratch => s.ScratchOptions.Head,
            _ => s.FineTuneOptions.Head,
        }));
        return d;
    }

    private static string Describe(HeadOptions head) =>
        $"{head.Pooling} -> {string.Join(" -> ", head.Layers.Select(l => l switch
        {
            HeadLayer.DropoutLayer dr => $"Dropout({dr.Rate})",
            HeadLayer.DenseLayer de => de.L2 > 0 ? $"Dense({de.Units}, relu, l2={de.L2})" : $"Dense({de.Units}, relu)",
            _ => l.ToString(),
        }).Append("Dense(classes)"))}";

    private static string Fingerprint(LearnerSettings s, DatasetSplit splits, IReadOnlyDictionary<string, string> configuration)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in configuration.OrderBy(p => p.Key, StringComparer.Ordinal)) text.Append(key).Append('=').Append(value).Append('\n');
        foreach (var (name, set) in new[] { ("train", splits.Train), ("validation", splits.Validation) })
            foreach (var sample in set.Samples) text.Append(name).Append(':').Append(sample.Source.DisplayName).Append(':').Append(sample.Label).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string ModeName(TrainingMode mode) => mode switch
    {
        TrainingMode.FeatureExtraction => "features",
        TrainingMode.FromScratch => "scratch",
        _ => "finetune",
    };

    private static float[] EnumerateColumn(float[,] values, int column)
    {
        var result = new float[values.GetLength(0)];
        for (int i = 0; i < result.Length; i++) result[i] = values[i, column];
        return result;
    }
}
