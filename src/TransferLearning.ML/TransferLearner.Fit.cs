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
        DatasetSplit splits = ResolveSplits(s);
        ImagePreprocessing preprocessing = s.Preprocessing ?? s.Backbone.Preprocessing;
        if (!s.Loading.SkipUnreadableImages) Preflight(splits, s.Loading, cancellationToken);
        int previousThreads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(s.Threads);
        try
        {
            AutoSelection? auto = s.Auto is { } options ? SelectRecipe(s, options, splits, preprocessing, progress, cancellationToken) : null;
            var run = RunRecipe(s, auto?.Chosen ?? s.Recipe, splits, preprocessing, s.CheckpointDirectory, progress, cancellationToken);
            return Result(s, run, splits, auto, clock);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(previousThreads);
        }
    }

    /// <summary>One recipe trained and evaluated: what <see cref="Fit"/> returns is made of it.</summary>
    private sealed record RecipeRun(TrainingRecipe Recipe, RunContext Context, RunOutcome Outcome, FinalEvaluation Evaluation,
        IReadOnlyDictionary<string, string> Configuration, TimeSpan Elapsed);

    private static RecipeRun RunRecipe(LearnerSettings s, TrainingRecipe chosen, DatasetSplit splits, ImagePreprocessing preprocessing,
        string? checkpointDirectory, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        TrainingRecipe recipe = s.Head is null ? chosen : chosen with { Head = s.Head };
        var configuration = Describe(s, chosen, preprocessing);
        var context = new RunContext(s.Backbone, splits, preprocessing, s.Augmentation, ClassWeightsOf(recipe, splits.Train), s.Seed,
            s.Threads, s.Loading, checkpointDirectory, Fingerprint(s, splits, configuration), s.Logger);
        LogStart(s, recipe, splits);
        RunOutcome outcome = Train(recipe, context, progress, cancellationToken);
        TimeSpan trained = clock.Elapsed;
        var manifest = Manifest(s, recipe, splits, preprocessing, outcome.InputName, configuration);
        var evaluation = FinalEvaluation.Run(context, outcome.ClassifierOnnx, manifest, s.Threshold, s.BootstrapSamples, cancellationToken, s.TestTimeAugmentation);
        return new RecipeRun(recipe, context, outcome, evaluation, configuration, trained);
    }

    private static TrainingResult Result(LearnerSettings s, RecipeRun run, DatasetSplit splits, AutoSelection? auto, Stopwatch clock)
    {
        var (outcome, evaluation) = (run.Outcome, run.Evaluation);
        var skippedFiles = LogSkipped(s, splits, run.Context);
        s.Logger.LogInformation("Done in {Seconds:F1}s: validation accuracy {Val:F4}, test accuracy {Test:F4}",
            clock.Elapsed.TotalSeconds, evaluation.Validation?.Accuracy ?? double.NaN, evaluation.Test?.Accuracy ?? double.NaN);
        var configuration = run.Configuration;
        if (auto is not null)
        {
            var rows = configuration.ToDictionary();
            rows["auto.chosen"] = auto.Reason;
            for (int i = 0; i < auto.Trials.Count; i++)
                rows[$"auto.trial{i + 1}"] = Describe(auto.Trials[i]);
            configuration = rows;
        }
        return new TrainingResult
        {
            Model = evaluation.Model,
            Recipe = run.Recipe,
            Auto = auto,
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
            Timings = new RunTimings(outcome.FeatureExtraction, run.Elapsed - outcome.FeatureExtraction, evaluation.Elapsed, clock.Elapsed),
        };
    }

    /// <summary>
    /// <see cref="Auto"/>: every candidate trained briefly (no checkpoints, no test split, no bootstrap) and scored
    /// on validation; the lowest validation log-loss wins, ties to the earlier candidate.
    /// </summary>
    private static AutoSelection SelectRecipe(LearnerSettings s, AutoOptions options, DatasetSplit splits, ImagePreprocessing preprocessing,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (splits.Validation.Count == 0)
            throw new ArgumentException("Auto() chooses the recipe on the validation split, and this run has none: give Split(validation: 0.15, ...) " +
                                        "or a validation set in WithSplits, or choose a recipe yourself (ExtractFeatures, FineTune, TrainFromScratch).");
        var candidates = options.Candidates ?? options.DefaultCandidates(splits.Train.Count);
        var withoutTest = new DatasetSplit(splits.Train, splits.Validation, splits.Train.Subset([]));
        var trialSettings = s with { BootstrapSamples = 0 };
        var trials = new List<AutoTrial>();
        foreach (var candidate in candidates)
        {
            var trial = options.Trial(candidate);
            s.Logger.LogInformation("Auto: trying {Recipe}", DescribeRecipe(candidate, trial));
            var trialClock = Stopwatch.StartNew();
            int folds = options.FoldsFor(splits.Train.Count + splits.Validation.Count);
            if (folds >= 2)
            {
                // small data: the trial's score is its mean over folds of the training and validation images pooled
                var pooled = TrainingAndValidation(splits);
                CrossValidationResult cv;
                try
                {
                    cv = RunFolds(trialSettings with { Auto = null }, pooled, folds, preprocessing, _ => trial, progress, cancellationToken);
                }
                catch (ArgumentException e)
                {
                    s.Logger.LogInformation("Auto: {Recipe} left out: {Reason}", DescribeRecipe(candidate, trial), e.Message);
                    trials.Add(new AutoTrial(candidate, DescribeRecipe(candidate, trial), candidate.Mode, null, null, null, trialClock.Elapsed, e.Message));
                    continue;
                }
                trials.Add(new AutoTrial(candidate, DescribeRecipe(candidate, trial) + $", mean of {folds} folds", candidate.Mode, Finite(cv.LogLoss.Mean),
                    Finite(cv.Accuracy.Mean), Finite(cv.BalancedAccuracy.Mean), trialClock.Elapsed));
                continue;
            }
            RecipeRun run;
            try
            {
                run = RunRecipe(trialSettings, trial, withoutTest, preprocessing, checkpointDirectory: null, progress, cancellationToken);
            }
            catch (ArgumentException e)
            {
                // a candidate this backbone or data cannot take (e.g. more blocks to unfreeze than it has) is left out
                s.Logger.LogInformation("Auto: {Recipe} left out: {Reason}", DescribeRecipe(candidate, trial), e.Message);
                trials.Add(new AutoTrial(candidate, DescribeRecipe(candidate, trial), candidate.Mode, null, null, null, trialClock.Elapsed, e.Message));
                continue;
            }
            using (run.Evaluation.Model)
            {
                var metrics = run.Evaluation.Validation;
                trials.Add(new AutoTrial(candidate, DescribeRecipe(candidate, trial), candidate.Mode, Finite(metrics?.LogLoss),
                    Finite(metrics?.Accuracy), Finite(metrics?.BalancedAccuracy), trialClock.Elapsed));
            }
        }
        if (trials.All(t => t.Failure is not null))
            throw new ArgumentException("Auto(): no candidate recipe could be trained: " + string.Join("; ", trials.Select(t => $"{t.Description}: {t.Failure}")));
        var ranked = trials.Select((t, i) => (Trial: t, Index: i)).Where(t => t.Trial.Failure is null)
            .OrderBy(t => t.Trial.ValidationLogLoss ?? double.PositiveInfinity).ThenBy(t => t.Index).ToList();
        var best = ranked[0].Trial;
        string reason = ranked.Count == 1
            ? $"{best.Description}: the only candidate that could be trained"
            : string.Create(CultureInfo.InvariantCulture,
                $"{best.Description} had the lowest validation log-loss ({best.ValidationLogLoss:F4}; next {ranked[1].Trial.Description} at {ranked[1].Trial.ValidationLogLoss:F4}) of {trials.Count} trials");
        s.Logger.LogInformation("Auto: {Reason}", reason);
        return new AutoSelection(trials, best.Candidate, reason);
    }

    private static double? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;

    private static string DescribeRecipe(TrainingRecipe candidate, TrainingRecipe trial) => candidate switch
    {
        FineTuneOptions f => $"fine-tune last {f.UnfreezeLastBlocks} blocks (trial: {((FineTuneOptions)trial).HeadEpochs} + {((FineTuneOptions)trial).Epochs} epochs)",
        ScratchOptions => $"from scratch (trial: {((ScratchOptions)trial).Epochs} epochs)",
        Training.FeatureExtraction.FeatureExtractionOptions fe => $"feature extraction ({fe.HeadKind} head)",
        _ => candidate.Mode.ToString(),
    };

    private static string Describe(AutoTrial trial) => trial.Failure is not null ? $"{trial.Description}: left out ({trial.Failure})" : string.Create(CultureInfo.InvariantCulture,
        $"{trial.Description}: validation log-loss {trial.ValidationLogLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "undefined"}, " +
        $"accuracy {trial.ValidationAccuracy?.ToString("F4", CultureInfo.InvariantCulture) ?? "undefined"}, {trial.Elapsed.TotalSeconds:F0} s");

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
        CheckSplits(splits);
        return splits;
    }

    private static void CheckSplits(DatasetSplit splits)
    {
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
    }

    private static IReadOnlyDictionary<string, string> Describe(LearnerSettings s, TrainingRecipe recipe, ImagePreprocessing p)
    {
        var d = new Dictionary<string, string>
        {
            ["mode"] = TrainingModeNames.Of(recipe.Mode),
            ["backbone"] = s.Backbone.Name,
            ["backboneSha256"] = s.Backbone.Sha256,
            ["featureTensor"] = s.Backbone.Features.ToString(),
            ["input"] = $"{p.Width}x{p.Height} {p.ChannelOrder} {p.ResizeMode}, mean [{string.Join(", ", p.Normalization.Mean)}], std [{string.Join(", ", p.Normalization.Std)}]",
            ["augmentation"] = s.Augmentation.ToString(),
            ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = s.Threads.ToString(CultureInfo.InvariantCulture),
            ["threshold"] = s.Threshold.ToString(),
        };
        if (s.TestTimeAugmentation is { } tta) d["tta"] = tta.ToString();
        foreach (var (name, value) in OptionsDescription.Flatten(recipe)) d[name] = value;
        d["head"] = Describe(s.Head ?? recipe.Head);
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
