using TransferLearning.ML.Data;

namespace TransferLearning.ML.Models;

/// <summary>Options of <see cref="TransferModel.Predict(ImageSource, PredictionOptions)"/>: test-time augmentation (Grad-CAM: <c>Interpretability.TransferModelGradCamExtensions.Explain</c>).</summary>
public sealed record PredictionOptions
{
    /// <summary>
    /// How many augmented views are averaged with the plain image (test-time augmentation): the probabilities are
    /// the mean over the plain image and this many views. Default 0: the plain image only, as
    /// <see cref="TransferModel.Predict(ImageSource)"/>.
    /// </summary>
    public int TestTimeAugmentationViews { get; init; }

    /// <summary>The augmentation of the views. Default <c>null</c>: <see cref="Augmentations.Light"/>.</summary>
    public AugmentationPipeline? Augmentation { get; init; }

    /// <summary>Seed of the views: view k of an image is always the same for the same seed. Default 0.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        if (TestTimeAugmentationViews < 0)
            throw new ArgumentOutOfRangeException(nameof(TestTimeAugmentationViews), TestTimeAugmentationViews,
                "TestTimeAugmentationViews must be 0 (plain image only) or more.");
    }
}
