using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training;

/// <summary>
/// Feature extraction: the backbone stays frozen and runs once per image in ONNX Runtime; its pooled features are
/// cached on disk and a small head (softmax regression by default) is trained on them.
/// </summary>
public sealed record FeatureExtractionOptions
{
    /// <summary>Epochs of head training on the cached features. Default: 60 (cheap: features are cached).</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Peak learning rate (AdamW, one-cycle). Default: 3e-3.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Batch size of head training. Default: 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>L2 weight decay of the head (decoupled). Default: 0.05.</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Class weights in the loss. Default: inverse frequency.</summary>
    public ClassWeighting ClassWeighting { get; init; } = ClassWeighting.InverseFrequency;

    /// <summary>The head. Default: a linear (softmax-regression) head on globally pooled features.</summary>
    public HeadOptions Head { get; init; } = HeadOptions.Linear;

    /// <summary>
    /// Augmented views per training image, extracted once and cached (0: only the original image). With
    /// augmentation configured, each epoch draws one of the K views per image. Default: 0.
    /// </summary>
    public int AugmentedViews { get; init; }

    /// <summary>Feature cache folder. Default: <c>TL_FEATURE_CACHE</c>, else <c>~/.cache/transferlearning-ml/features</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Best-epoch selection on validation. Default: lowest validation loss.</summary>
    public EarlyStoppingOptions EarlyStopping { get; init; } = new();

    /// <summary>Images per ONNX Runtime call when extracting. Default: 32.</summary>
    public int ExtractionBatchSize { get; init; } = 32;

    internal void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"ExtractFeatures needs at least one epoch of head training (Epochs = {Epochs}).");
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive (was {LearningRate}).");
        if (BatchSize < 1 || ExtractionBatchSize < 1) throw new ArgumentException("BatchSize and ExtractionBatchSize must be ≥ 1.");
        if (WeightDecay < 0) throw new ArgumentException($"WeightDecay must be ≥ 0 (was {WeightDecay}).");
        if (AugmentedViews < 0) throw new ArgumentException($"AugmentedViews must be ≥ 0 (was {AugmentedViews}).");
        ArgumentNullException.ThrowIfNull(Head, nameof(Head));
        Head.Validate();
        ArgumentNullException.ThrowIfNull(EarlyStopping, nameof(EarlyStopping));
        EarlyStopping.Validate();
    }
}
