using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Training;

/// <summary>
/// The last step of a run: the trained classifier graph is opened in ONNX Runtime, exactly as it is exported, and
/// scores the validation and test splits; the decision threshold of a two-class model is chosen on validation; the
/// metrics are computed and recorded in the model.
/// </summary>
internal sealed record FinalEvaluation(
    TransferModel Model,
    ClassificationMetrics? Validation,
    ClassificationMetrics? Test,
    ScoredSplit? TestScores,
    TimeSpan Elapsed)
{
    public static FinalEvaluation Run(RunContext context, byte[] classifierOnnx, ModelManifest manifest, ThresholdPolicy policy,
        int bootstrapSamples, CancellationToken cancellationToken, TestTimeAugmentation? tta = null)
    {
        var clock = Stopwatch.StartNew();
        var splits = context.Splits;
        var classNames = context.ClassNames;
        using var draft = new TransferModel(classifierOnnx, manifest) { MaxImagePixels = context.MaxImagePixels, IntraOpThreads = context.Threads };
        // the run's seed, loader workers and skip setting, not the model's defaults; the evaluation reads the same
        // images with the same loader settings as training: an image the loaders skipped is skipped here too (and
        // one that only now fails to read is skipped and listed) instead of failing the run after all epochs
        var loader = context.LoaderOptions(batchSize: 32) with { DecodedCacheBytes = 0 };
        var skips = context.SkipUnreadableImages ? new List<SkippedFile>() : null;

        ScoredSplit? validation = Score(draft, splits.Validation, loader, skips, tta, context.Seed, cancellationToken);
        double? threshold = manifest.DecisionThreshold;
        if (classNames.Count == 2 && validation is not null)
            threshold = policy.Choose(validation.LabelArray, PositiveScores(validation));
        var metricsOptions = new MetricsOptions { Threshold = threshold ?? 0.5, BootstrapSamples = bootstrapSamples, Seed = context.Seed };
        // (with every image of a split skipped as unreadable there is nothing to score: its metrics stay null)
        ClassificationMetrics? validationMetrics = Compute(validation, classNames, metricsOptions);
        ScoredSplit? test = Score(draft, splits.Test, loader, skips, tta, context.Seed, cancellationToken);
        if (skips is not null) foreach (var file in skips) context.Skipped.Add(file);
        ClassificationMetrics? testMetrics = Compute(test, classNames, metricsOptions);

        if (threshold is double chosen && !double.IsFinite(chosen))
        {
            context.Logger.LogWarning("The {Policy} threshold is undefined on these validation images; using 0.5", policy);
            threshold = 0.5;
        }
        var recorded = new Dictionary<string, double>();
        foreach (var (split, metrics) in new[] { ("validation", validationMetrics), ("test", testMetrics) })
            if (metrics is not null)
                foreach (var (key, value) in SplitScores.From(metrics).ToManifest(split)) recorded[key] = value;
        var model = new TransferModel(classifierOnnx, manifest with
        {
            DecisionThreshold = threshold,
            ThresholdPolicy = classNames.Count == 2 ? policy.ToString() : "argmax",
            Metrics = recorded,
        }) { MaxImagePixels = context.MaxImagePixels, IntraOpThreads = context.Threads };
        return new FinalEvaluation(model, validationMetrics, testMetrics, test, clock.Elapsed);
    }

    private static ScoredSplit? Score(TransferModel model, ImageDataset split, BatchLoaderOptions loader, List<SkippedFile>? skips,
        TestTimeAugmentation? tta, int seed, CancellationToken cancellationToken)
    {
        if (split.Count == 0) return null;
        if (tta is { Views: > 0 } views)
        {
            // the plain image and the views, averaged (ModelEvaluator's test-time augmentation, seeded by the run)
            var options = new Evaluation.EvaluationOptions
            {
                TtaViews = views.Views, Augmentation = views.Augmentation, Seed = seed, BootstrapSamples = 0,
                SkipUnreadableImages = skips is not null, BatchSize = loader.BatchSize,
            };
            var (l, p, i) = Evaluation.ModelEvaluator.Score(model, split, options, skips, cancellationToken);
            return new ScoredSplit(l, p, i);
        }
        var (labels, probabilities, indices) = model.PredictProbabilities(split, cancellationToken: cancellationToken,
            skipUnreadable: skips, loaderOptions: loader);
        return new ScoredSplit(labels, probabilities, indices);
    }

    private static ClassificationMetrics? Compute(ScoredSplit? scores, IReadOnlyList<string> classNames, MetricsOptions options) =>
        scores is { Count: > 0 } ? MetricsCalculator.Compute(scores.LabelArray, scores.Matrix, classNames, options) : null;

    private static float[] PositiveScores(ScoredSplit scores)
    {
        var result = new float[scores.Count];
        for (int i = 0; i < result.Length; i++) result[i] = scores.Probability(i, 1);
        return result;
    }
}
