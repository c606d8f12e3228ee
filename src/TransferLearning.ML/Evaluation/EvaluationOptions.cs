using TransferLearning.ML.Data;

namespace TransferLearning.ML.Evaluation;

/// <summary>How <see cref="ModelEvaluator"/> evaluates a trained model on a dataset.</summary>
public sealed record EvaluationOptions
{
    /// <summary>
    /// Test-time augmentation: how many augmented views of every image are averaged with the plain image.
    /// Default 0: the plain image only.
    /// </summary>
    public int TtaViews { get; init; }

    /// <summary>The augmentation of the views. Default <c>null</c>: <see cref="Augmentations.Light"/>.</summary>
    public AugmentationPipeline? Augmentation { get; init; }

    /// <summary>Bootstrap resamples for the confidence intervals; 0 for none. Default 1000.</summary>
    public int BootstrapSamples { get; init; } = 1000;

    /// <summary>Seed of the augmented views and of the bootstrap. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Binary decision threshold on P(class 1). Default <c>null</c>: the model's own
    /// <see cref="Models.TransferModel.DecisionThreshold"/> (0.5 when it has none).
    /// </summary>
    public double? Threshold { get; init; }

    /// <summary>
    /// When <c>true</c>, an image that cannot be read (damaged, over the model's
    /// <see cref="Models.TransferModel.MaxImagePixels"/>) is left out of the evaluation, reported once through
    /// <see cref="ImageSkipped"/> and listed in the report; the metrics count the other images. Default <c>false</c>:
    /// <see cref="ImageDataException"/> is thrown.
    /// </summary>
    public bool SkipUnreadableImages { get; init; }

    /// <summary>Called once for every image left out with <see cref="SkipUnreadableImages"/>. Default <c>null</c>.</summary>
    public Action<SkippedFile>? ImageSkipped { get; init; }

    /// <summary>Images per ONNX Runtime batch. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    internal void Validate()
    {
        if (TtaViews < 0)
            throw new ArgumentOutOfRangeException(nameof(TtaViews), TtaViews, "TtaViews must be 0 (no test-time augmentation) or more.");
        if (BootstrapSamples < 0)
            throw new ArgumentOutOfRangeException(nameof(BootstrapSamples), BootstrapSamples, "BootstrapSamples must be 0 (no intervals) or more.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (Threshold is double t && !(t >= 0 && t <= 1))
            throw new ArgumentOutOfRangeException(nameof(Threshold), t, "Threshold is a probability: give a value in [0, 1], or null for the model's own.");
    }
}
