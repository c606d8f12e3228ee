using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training;
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
        var clock = Stopwatch.StartNew();
        var s = _settings;
        TrainingRecipe recipe = s.Head is null ? s.Recipe : s.Recipe with { Head = s.Head };
        DatasetSplit splits = ResolveSplits(s);
        ImagePreprocessing preprocessing = s.Preprocessing ?? s.Backbone.Preprocessing;
        var configuration = Describe(s, preprocessing);
        if (!s.Loading.SkipUnreadableImages) Preflight(splits, s.Loading, cancellationToken);
        var context = new RunContext(s.Backbone, splits, preprocessing, s.Augmentation, ClassWeightsOf(recipe, splits.Train), s.Seed,
            s.Threads, s.Loading, s.CheckpointDirectory, Fingerprint(s, splits, configuration), s.Logger);
        int previousThreads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(s.Threads);
        try
        {
            LogStart(s, recipe, splits);
            RunOutcome outcome = Train(recipe, context, progress, cancellationToken);
            TimeSpan trained = clock.Elapsed;
            var manifest = Manifest(s, recipe, splits, preprocessing, outcome.InputName, configuration);
            var evaluation = FinalEvaluation.Run(context, outcome.ClassifierOnnx, manifest, s.Threshold, s.BootstrapSamples, cancellationToken);
            var skippedFiles = LogSkipped(s, splits, context);
            s.Logger.LogInformation("Done in {Seconds:F1}s: validation accuracy {Val:F4}, test accuracy {Test:F4}",
                clock.Elapsed.TotalSeconds, evaluation.Validation?.Accuracy ?? double.NaN, evaluation.Test?.Accuracy ?? double.NaN);
            return new TrainingResult
            {
                Model = evaluation.Model,
                Recipe = recipe,
                History = outcome.Run.History,
                BestEpoch = outcome.Run.BestEpoch,
                StoppedEarly = outcome.Run.StoppedEarly,
                Phases = outcome.Run.Phases,
                Splits = splits,
                ValidationMetrics = evaluation.Validation,
                TestMetrics = evaluation.Test,
                TestPredictions = evaluation.TestScores,
                SkippedFiles = skippedFiles,
                FeatureCache = outcome.FeatureCache,
                Configuration = configuration,
                Timings = new RunTimings(outcome.FeatureExtraction, trained - outcome.FeatureExtraction, evaluation.Elapsed, clock.Elapsed),
            };
        }
        finally
        {
            TorchSharp.torch.set_num_threads(previousThreads);
        }
    }

    private static void LogStart(LearnerSettings s, TrainingRecipe recipe, DatasetSplit splits)
    {
        s.Logger.LogInformation("Training {Mode} on {Backbone}: {Summary}", recipe.Mode, s.Backbone, splits.Summary);
        if (recipe.TrainsBackbone && Runtime.NativeAllocator.WorkerThreadAdvice() is string advice)
            s.Logger.LogWarning("{Advice}", advice);
    }

    private static RunOutcome Train(TrainingRecipe recipe, RunContext context, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            return recipe.Run(context, progress, cancellationToken);
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException
                                   && e.ToString().Contains("TorchSharp", StringComparison.Ordinal)
                                   && Runtime.NativeLoadDiagnosis.TorchSharpLoadFailure() is { } cause)
        {
            // TorchSharp blames a missing backend package whatever the cause: say what the loader said
            throw new InvalidOperationException($"TorchSharp's native library could not be loaded. {cause}", e);
        }
    }

    private static float[]? ClassWeightsOf(TrainingRecipe recipe, ImageDataset train) => recipe.ClassWeighting switch
    {
        ClassWeighting.InverseFrequency => ClassWeights.InverseFrequency(train),
        ClassWeighting.EffectiveNumber => ClassWeights.EffectiveNumber(train),
        _ => null,
    };

    private static ModelManifest Manifest(LearnerSettings s, TrainingRecipe recipe, DatasetSplit splits, ImagePreprocessing preprocessing,
        string inputName, IReadOnlyDictionary<string, string> configuration) => new()
    {
        ClassNames = splits.Train.ClassNames.ToArray(),
        Preprocessing = PreprocessingManifest.From(preprocessing),
        BackboneName = s.Backbone.Name,
        BackboneSha256 = s.Backbone.Sha256,
        Mode = TrainingModeNames.Of(recipe.Mode),
        InputName = inputName,
        TrainingOptions = configuration,
        DecisionThreshold = splits.Train.ClassNames.Count == 2 ? 0.5 : null,
    };

    private static SkippedFile[] LogSkipped(LearnerSettings s, DatasetSplit splits, RunContext context)
    {
        if (context.Skipped.Files.Count > 0)
            s.Logger.LogWarning("{Count} unreadable image(s) were left out: {Files}", context.Skipped.Files.Count,
                string.Join("; ", context.Skipped.Files.Take(10).Select(f => f.Path)));
        return splits.Train.Skipped.Concat(splits.Validation.Skipped).Concat(splits.Test.Skipped)
            .Concat(context.Skipped.Files).DistinctBy(f => f.Path).ToArray();
    }

    /// <summary>
    /// Before any epoch: the header of every validation and test image is read (no pixel is decoded), so a missing
    /// file, a non-image or an image over the pixel budget in those splits stops the run now, naming the file,
    /// rather than after all epochs. (Training images are read in the first epoch anyway.)
    /// </summary>
    private static void Preflight(DatasetSplit splits, ImageLoadingOptions loading, CancellationToken cancellationToken)
    {
        var samples = splits.Validation.Samples.Concat(splits.Test.Samples).ToArray();
        if (samples.Length == 0) return;
        var failures = new ImageDataException?[samples.Length];
        Parallel.For(0, samples.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, loading.WorkerCount), CancellationToken = cancellationToken }, i =>
        {
            try { ImageDecoder.Probe(samples[i].Source, loading.MaxImagePixels); }
            catch (ImageDataException e) { failures[i] = e; }
        });
        // the first bad image in split order, whatever the thread timing
        if (failures.FirstOrDefault(f => f is not null) is { } first) throw first;
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
            ["mode"] = TrainingModeNames.Of(s.Recipe.Mode),
            ["backbone"] = s.Backbone.Name,
            ["backboneSha256"] = s.Backbone.Sha256,
            ["featureTensor"] = s.Backbone.Features.ToString(),
            ["input"] = $"{p.Width}x{p.Height} {p.ChannelOrder} {p.ResizeMode}, mean [{string.Join(", ", p.Normalization.Mean)}], std [{string.Join(", ", p.Normalization.Std)}]",
            ["augmentation"] = s.Augmentation.ToString(),
            ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = s.Threads.ToString(CultureInfo.InvariantCulture),
            ["threshold"] = s.Threshold.ToString(),
        };
        foreach (var (name, value) in OptionsDescription.Flatten(s.Recipe)) d[name] = value;
        d["head"] = Describe(s.Head ?? s.Recipe.Head);
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
}
