using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Training;

/// <summary>What <see cref="TransferLearner.Fit"/> produced.</summary>
public sealed class TrainingResult
{
    /// <summary>The trained classifier (best epoch's weights, chosen threshold).</summary>
    public required TransferModel Model { get; init; }

    /// <summary>The recipe that ran, with the head it trained (<see cref="TransferLearner.WithHead"/>'s when given).</summary>
    public required TrainingRecipe Recipe { get; init; }

    /// <summary>With <see cref="TransferLearner.Auto"/>: the candidates tried on validation and why <see cref="Recipe"/> won; otherwise null.</summary>
    public AutoSelection? Auto { get; init; }

    /// <summary>How it was trained: the recipe's kind.</summary>
    public TrainingMode Mode => Recipe.Mode;

    /// <summary>One row per epoch.</summary>
    public required IReadOnlyList<EpochMetrics> History { get; init; }

    /// <summary>The epoch whose weights the model carries.</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Whether early stopping ended any phase before its planned epochs (see <see cref="Phases"/>).</summary>
    public required bool StoppedEarly { get; init; }

    /// <summary>
    /// What each phase did: planned and trained epochs, and whether early stopping ended it. Each phase has its own
    /// patience, so a head phase that stops early is still followed by the fine-tuning phase.
    /// </summary>
    public IReadOnlyList<PhaseSummary> Phases { get; init; } = [];

    /// <summary>The splits used.</summary>
    public required DatasetSplit Splits { get; init; }

    /// <summary>Metrics on the validation split (null without one).</summary>
    public ClassificationMetrics? ValidationMetrics { get; init; }

    /// <summary>Metrics on the test split (null without one).</summary>
    public ClassificationMetrics? TestMetrics { get; init; }

    /// <summary>Test metrics when there is a test split, else validation metrics.</summary>
    public ClassificationMetrics? Metrics => TestMetrics ?? ValidationMetrics;

    /// <summary>The exported model's class probabilities for every test image (rows index <see cref="DatasetSplit.Test"/>); null without a test split.</summary>
    public ScoredSplit? TestPredictions { get; init; }

    /// <summary>
    /// Every file the run left out, with the reason: found while reading the sources (not an image, empty, class
    /// not kept; see <see cref="ImageDataset.Skipped"/>) and, with <see cref="ImageLoadingOptions.SkipUnreadableImages"/>,
    /// images no loader could decode (feature extraction, training, validation, the final evaluation). Empty when
    /// nothing was left out.
    /// </summary>
    public IReadOnlyList<SkippedFile> SkippedFiles { get; init; } = [];

    /// <summary>Feature-extraction mode: how many feature vectors came from the disk cache and how many were computed.</summary>
    public FeatureCacheStatistics? FeatureCache { get; init; }

    /// <summary>Wall times of feature extraction, training, the final evaluation and the whole run.</summary>
    public required RunTimings Timings { get; init; }

    /// <summary>The options of the run as text (for reports).</summary>
    public required IReadOnlyDictionary<string, string> Configuration { get; init; }
}

/// <summary>Feature vectors read from the cache and computed by ONNX Runtime in one feature-extraction run.</summary>
/// <param name="FromCache">Vectors read from the cache.</param>
/// <param name="Computed">Vectors computed (and written to the cache).</param>
/// <param name="Directory">The cache folder for this backbone and preprocessing.</param>
public sealed record FeatureCacheStatistics(int FromCache, int Computed, string Directory);
