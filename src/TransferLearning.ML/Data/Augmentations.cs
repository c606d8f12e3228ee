namespace TransferLearning.ML.Data;

/// <summary>
/// Ready-made augmentation pipelines for medical images. Pick by what does not change the diagnosis: a mirrored
/// chest X-ray puts the heart on the wrong side (and flips the lateral "L"/"R" markers), so chest presets never
/// flip; a fundus photograph or a CT slice has no such handedness for classification.
/// </summary>
public static class Augmentations
{
    /// <summary>No augmentation (validation, test, feature extraction).</summary>
    public static AugmentationPipeline None { get; } = new();

    /// <summary>
    /// Small, anatomy-safe jitter for chest X-rays and other lateralised images: rotation ±5°, shift ±5 %, zoom
    /// 0.95–1.05, brightness and contrast ±10 %. No flips (the heart is on the left, markers are lateralised).
    /// </summary>
    public static AugmentationPipeline Light { get; } = new(
        new Rotation(5), new Shift(0.05, 0.05), new Zoom(0.95, 1.05), new Brightness(0.10), new Contrast(0.10));

    /// <summary>
    /// The reference recipe of this project's PyTorch comparison (random affine ±10°, ±5 % shift, 0.9–1.1 zoom,
    /// ±5° shear, brightness and contrast ±10 %). No flips, so it is also safe for chest X-rays.
    /// </summary>
    public static AugmentationPipeline Standard { get; } = new(
        new Rotation(10), new Shift(0.05, 0.05), new Zoom(0.9, 1.1), new Shear(5), new Brightness(0.10), new Contrast(0.10));

    /// <summary>
    /// Stronger jitter for images without handedness (fundus photographs, dermoscopy, histology, CT/MRI slices
    /// classified by content): horizontal and vertical flips, rotation ±20°, shift ±10 %, zoom 0.85–1.15, shear
    /// ±8°, brightness and contrast ±20 %, gamma 0.8–1.25, Gaussian noise σ 0.02, one cutout of 15 % (p 0.3).
    /// Do not use on chest X-rays.
    /// </summary>
    public static AugmentationPipeline Strong { get; } = new(
        new HorizontalFlip(), new VerticalFlip(), new Rotation(20), new Shift(0.10, 0.10), new Zoom(0.85, 1.15),
        new Shear(8), new Brightness(0.20), new Contrast(0.20), new Gamma(0.8, 1.25), new GaussianNoise(0.02, 0.5),
        new Cutout(0.15, 1, 0.3));

    /// <summary>
    /// Fundus photographs (e.g. diabetic-retinopathy grading): flips both ways and full rotation ±180° (the retina
    /// has no up or down for grading), zoom 0.9–1.1, brightness and contrast ±10 %.
    /// </summary>
    public static AugmentationPipeline Fundus { get; } = new(
        new HorizontalFlip(), new VerticalFlip(), new Rotation(180), new Zoom(0.9, 1.1), new Brightness(0.10), new Contrast(0.10));
}
