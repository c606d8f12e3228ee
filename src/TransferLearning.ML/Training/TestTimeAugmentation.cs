using TransferLearning.ML.Data;

namespace TransferLearning.ML.Training;

/// <summary>
/// Test-time augmentation of a run's final evaluation (<see cref="TransferLearner.WithTestTimeAugmentation"/>): each
/// validation and test image is scored as the mean of the probabilities of the plain image and <see cref="Views"/>
/// seeded augmented views, so the decision threshold is chosen on the averaged scores it will be applied to.
/// </summary>
/// <param name="Views">Augmented views per image besides the plain one; 0 scores the plain image only.</param>
/// <param name="Augmentation">The views' augmentation; null: <see cref="Augmentations.Light"/> (no flips).</param>
public sealed record TestTimeAugmentation(int Views, AugmentationPipeline? Augmentation = null)
{
    /// <inheritdoc />
    public override string ToString() => Views == 0 ? "none" : $"{Views} views of {Augmentation ?? Augmentations.Light}";
}
