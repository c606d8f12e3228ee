using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Evaluation;

/// <summary>
/// Evaluates a trained <see cref="TransferModel"/> on a labelled dataset, optionally with test-time augmentation:
/// the probabilities of every image are the mean over the plain image and <see cref="EvaluationOptions.TtaViews"/>
/// augmented views, view k being epoch k of a loader seeded with <see cref="EvaluationOptions.Seed"/>, so the
/// result is the same on every run.
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Metrics of <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="data">Labelled images; its class names must be the model's.</param>
    /// <param name="options">Views, bootstrap, seed, threshold; default <c>null</c>: the defaults of <see cref="EvaluationOptions"/>.</param>
    /// <param name="cancellationToken">Stops between batches and during the bootstrap.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException">The dataset is empty or names other classes than the model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ImageDataException">An image cannot be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ClassificationMetrics Evaluate(TransferModel model, ImageDataset data, EvaluationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new EvaluationOptions();
        var (labels, probabilities, _) = Score(model, data, options, null, cancellationToken);
        return Compute(model, labels, probabilities, options, cancellationToken);
    }

    /// <summary>
    /// Metrics of <paramref name="model"/> from probabilities already computed (e.g. by <see cref="Probabilities"/>,
    /// with the rows of skipped images left out), with the model's decision threshold unless
    /// <see cref="EvaluationOptions.Threshold"/> is set.
    /// </summary>
    /// <param name="model">The model the probabilities came from (class names, threshold).</param>
    /// <param name="labels">True class per image.</param>
    /// <param name="probabilities">N × classes, in <paramref name="labels"/>' order.</param>
    /// <param name="options">Threshold, bootstrap; default <see cref="EvaluationOptions"/>.</param>
    /// <param name="cancellationToken">Cancels the bootstrap.</param>
    public static ClassificationMetrics FromProbabilities(TransferModel model, IReadOnlyList<int> labels, float[,] probabilities,
        EvaluationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        return Compute(model, labels.ToArray(), probabilities, options ?? new EvaluationOptions(), cancellationToken);
    }

    internal static ClassificationMetrics Compute(TransferModel model, int[] labels, float[,] probabilities, EvaluationOptions options,
        CancellationToken cancellationToken)
    {
        if (labels.Length == 0)
            throw new ImageDataException("No image of the dataset could be read (all were skipped as unreadable); nothing to evaluate.");
        var metricsOptions = new MetricsOptions
        {
            Threshold = options.Threshold ?? model.DecisionThreshold ?? 0.5,
            BootstrapSamples = options.BootstrapSamples,
            Seed = options.Seed,
        };
        return MetricsCalculator.Compute(labels, probabilities, model.ClassNames, metricsOptions, cancellationToken);
    }

    /// <summary>
    /// The class probabilities <see cref="Evaluate"/> scores, one row per image in dataset order; with
    /// <see cref="EvaluationOptions.SkipUnreadableImages"/> the row of an image left out is <see cref="float.NaN"/>.
    /// </summary>
    /// <param name="model">The trained model.</param>
    /// <param name="data">The images (labels are not read).</param>
    /// <param name="options">Views, augmentation, seed and batch size; default <c>null</c>: the defaults of <see cref="EvaluationOptions"/>.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException">The dataset is empty or names other classes than the model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ImageDataException">An image cannot be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static float[,] Probabilities(TransferModel model, ImageDataset data, EvaluationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new EvaluationOptions();
        options.Validate();
        if (data.Count == 0) throw new ArgumentException("The dataset to evaluate on has no images.", nameof(data));
        if (!data.ClassNames.SequenceEqual(model.ClassNames))
            throw new ArgumentException(
                $"The dataset's classes ({string.Join(", ", data.ClassNames)}) are not the model's ({string.Join(", ", model.ClassNames)}); " +
                "load it with new ImageDatasetOptions { ClassNames = model.ClassNames }.", nameof(data));
        Action<SkippedFile>? skipped = options.SkipUnreadableImages ? file => options.ImageSkipped?.Invoke(file) : null;
        return model.PredictAveragedProbabilities(data, options.TtaViews, options.Augmentation ?? Augmentations.Light, options.Seed,
            options.BatchSize, cancellationToken, skipped);
    }

    /// <summary>
    /// Labels, probabilities and dataset indices of the images that were read (all of them unless
    /// <see cref="EvaluationOptions.SkipUnreadableImages"/> left some out, which are added to <paramref name="skipped"/>).
    /// </summary>
    internal static (int[] Labels, float[,] Probabilities, int[] Indices) Score(TransferModel model, ImageDataset data,
        EvaluationOptions options, List<SkippedFile>? skipped, CancellationToken cancellationToken)
    {
        var collect = options.SkipUnreadableImages && skipped is not null
            ? options with { ImageSkipped = file => { lock (skipped) skipped.Add(file); options.ImageSkipped?.Invoke(file); } }
            : options;
        float[,] all = Probabilities(model, data, collect, cancellationToken);
        int classes = all.GetLength(1);
        var kept = Enumerable.Range(0, data.Count).Where(i => !float.IsNaN(all[i, 0])).ToArray();
        int[] labels = kept.Select(i => data.Samples[i].Label).ToArray();
        if (kept.Length == data.Count) return (labels, all, kept);
        var probabilities = new float[kept.Length, classes];
        for (int j = 0; j < kept.Length; j++)
            for (int k = 0; k < classes; k++) probabilities[j, k] = all[kept[j], k];
        return (labels, probabilities, kept);
    }
}
