using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;

namespace TransferLearning.ML;

public sealed partial class TransferLearner
{
    /// <summary>
    /// Estimates how the configured recipe does on images it has not seen, by k-fold cross-validation: the images
    /// (<see cref="WithImages"/>, or the training and validation splits of <see cref="WithSplits"/> pooled; a test
    /// split is left alone) are dealt into <paramref name="folds"/> stratified folds — whole groups at a time where
    /// the images carry groups (<see cref="ImageDatasetOptions.GroupPattern"/>: a patient's images all in one fold) —
    /// and for each fold a model is trained on the others, with its best epoch and decision threshold chosen on a
    /// validation split cut from them (<see cref="Split"/>'s validation fraction, by group too), then scored on the
    /// fold. Nothing is kept but the scores: use <see cref="Fit"/> for the model itself.
    /// </summary>
    /// <param name="folds">Number of folds, at least 2 (5 or 10 are usual; more folds train on more images and cost more runs).</param>
    /// <param name="progress">Receives each fold's training progress; optional.</param>
    /// <param name="cancellationToken">Honoured within one batch.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="folds"/> is below 2 or above the number of images.</exception>
    /// <exception cref="InvalidOperationException">No images were given.</exception>
    /// <exception cref="ArgumentException">An option does not fit the data, or a fold's training images lack a class; the message says what to change.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public CrossValidationResult CrossValidate(int folds = 5, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var s = _settings with { CheckpointDirectory = null };
        ImageDataset images = s.Images ?? (s.Splits is { } given ? TrainingAndValidation(given)
            : throw new InvalidOperationException("No images: call WithImages(ImageDataset.FromFolder(\"data\")) before CrossValidate."));
        if (folds < 2 || folds > images.Count)
            throw new ArgumentOutOfRangeException(nameof(folds), folds, $"CrossValidate needs 2 to {images.Count} folds (the number of images), e.g. 5.");
        if (s.ValidationFraction <= 0)
            throw new ArgumentException("CrossValidate chooses each fold's best epoch and threshold on a validation split cut from the other folds: " +
                                        "give Split(validation: 0.15) (the default) rather than 0.");
        ImagePreprocessing preprocessing = s.Preprocessing ?? s.Backbone.Preprocessing;
        if (!s.Loading.SkipUnreadableImages) Preflight(new DatasetSplit(images.Subset([]), images, images.Subset([])), s.Loading, cancellationToken);
        Func<DatasetSplit, TrainingRecipe> recipeFor = s.Auto is { } options
            ? split => SelectRecipe(s, options, split, preprocessing, progress, cancellationToken).Chosen
            : _ => s.Recipe;
        return RunFolds(s, images, folds, preprocessing, recipeFor, progress, cancellationToken);
    }

    // the folds of CrossValidate: recipeFor gives each fold's recipe (Auto's choice on that fold's splits, or the recipe)
    private static CrossValidationResult RunFolds(LearnerSettings s, ImageDataset images, int folds, ImagePreprocessing preprocessing,
        Func<DatasetSplit, TrainingRecipe> recipeFor, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();

        var position = new Dictionary<ImageSample, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < images.Count; i++) position[images.Samples[i]] = i;
        var dealt = images.StratifiedKFold(folds, s.SplitSeed, respectGroups: true);
        bool byGroup = images.HasGroups;
        int groups = GroupCount(images);
        s.Logger.LogInformation("Cross-validation: {Folds} folds of {Images} images{Groups}", folds, images.Count,
            byGroup ? $", {groups} groups kept whole" : " (no groups: dealt by image)");

        var results = new List<CrossValidationFold>(folds);
        var labels = new List<int>();
        var rows = new List<float[]>();
        var indices = new List<int>();
        IReadOnlyDictionary<string, string>? configuration = null;
        int previousThreads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(s.Threads);
        try
        {
            for (int f = 0; f < dealt.Count; f++)
            {
                var foldClock = Stopwatch.StartNew();
                var (rest, heldOut) = dealt[f];
                var inner = rest.Split(s.ValidationFraction, 0, s.SplitSeed, respectGroups: true);
                var split = new DatasetSplit(inner.Train, inner.Validation, heldOut);
                try
                {
                    CheckSplits(split);
                    if (split.Validation.Count == 0)
                        throw new ArgumentException("The validation split cut from the other folds is empty (its groups are large for " +
                                                    $"the validation fraction {s.ValidationFraction}): give a larger one, e.g. Split(validation: 0.25).");
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"Fold {f + 1} of {folds}: {e.Message} Use fewer folds or more images per class.", e);
                }
                s.Logger.LogInformation("Fold {Fold}/{Folds}: {Train} training, {Validation} validation, {HeldOut} held-out images",
                    f + 1, folds, split.Train.Count, split.Validation.Count, heldOut.Count);
                var run = RunRecipe(s, recipeFor(split), split, preprocessing, checkpointDirectory: null, progress, cancellationToken);
                configuration ??= run.Configuration;
                using (run.Evaluation.Model)
                {
                    var metrics = run.Evaluation.Test ?? throw new ImageDataException(
                        $"Fold {f + 1} of {folds}: every held-out image was skipped as unreadable, so the fold has no score.");
                    var scores = run.Evaluation.TestScores!;
                    for (int r = 0; r < scores.Count; r++)
                    {
                        labels.Add(scores.Labels[r]);
                        rows.Add(scores.ProbabilitiesOf(r));
                        indices.Add(position[heldOut.Samples[scores.SampleIndices[r]]]);
                    }
                    results.Add(new CrossValidationFold(f + 1, split.Train.Count, split.Validation.Count, heldOut, metrics,
                        run.Evaluation.Model.DecisionThreshold, run.Recipe, foldClock.Elapsed));
                    s.Logger.LogInformation("Fold {Fold}/{Folds}: accuracy {Accuracy:F4}, balanced accuracy {Balanced:F4}, ROC-AUC {Auc:F4} on {HeldOut} held-out images ({Seconds:F0} s)",
                        f + 1, folds, metrics.Accuracy, metrics.BalancedAccuracy, metrics.RocAuc, metrics.SampleCount, foldClock.Elapsed.TotalSeconds);
                }
            }
        }
        finally
        {
            TorchSharp.torch.set_num_threads(previousThreads);
        }

        var matrix = new float[rows.Count, images.ClassNames.Count];
        for (int r = 0; r < rows.Count; r++)
            for (int k = 0; k < rows[r].Length; k++) matrix[r, k] = rows[r][k];
        var result = new CrossValidationResult
        {
            Folds = results,
            Images = images,
            ByGroup = byGroup,
            GroupCount = groups,
            OutOfFold = new ScoredSplit(labels.ToArray(), matrix, indices.ToArray()),
            Elapsed = clock.Elapsed,
            Configuration = configuration!,
        };
        foreach (var metric in result.Summary) s.Logger.LogInformation("Cross-validation: {Metric}", metric);
        return result;
    }

    /// <summary>The training and validation splits as one dataset (what cross-validation deals into folds).</summary>
    private static ImageDataset TrainingAndValidation(DatasetSplit splits) =>
        new(splits.Train.ClassNames, splits.Train.Samples.Concat(splits.Validation.Samples), [.. splits.Train.Skipped, .. splits.Validation.Skipped]);

    private static int GroupCount(ImageDataset images) =>
        images.Samples.Select((sample, i) => sample.Group is { } g ? "g:" + g : "s:" + i).Distinct(StringComparer.Ordinal).Count();
}
