namespace TransferLearning.ML.Data;

/// <summary>
/// A random image transform applied to training images only. Implement <see cref="IGeometricAugmentation"/> (moves
/// pixels; all geometric steps of a pipeline are merged into one warp) or <see cref="IPhotometricAugmentation"/>
/// (changes values).
/// </summary>
public interface IImageAugmentation
{
    /// <summary>The chance, in [0, 1], that the transform is applied to an image.</summary>
    double Probability { get; }
}

/// <summary>A transform that moves pixels: it updates the warp (or crop) of an <see cref="AugmentationContext"/>.</summary>
public interface IGeometricAugmentation : IImageAugmentation
{
    /// <summary>Draws this transform's parameters and composes it into <paramref name="context"/>.</summary>
    void Apply(AugmentationContext context, ref AugmentationRandom random);
}

/// <summary>A transform that changes pixel values of the resized image (CHW planes of values in [0, 1]).</summary>
public interface IPhotometricAugmentation : IImageAugmentation
{
    /// <summary>Draws this transform's parameters and changes <paramref name="planes"/> in place.</summary>
    /// <param name="planes">Channels × height × width values in [0, 1] (may leave that range; clamped afterwards).</param>
    /// <param name="channels">Number of planes.</param>
    /// <param name="height">Plane height.</param>
    /// <param name="width">Plane width.</param>
    /// <param name="random">This image's generator.</param>
    void Apply(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random);
}
