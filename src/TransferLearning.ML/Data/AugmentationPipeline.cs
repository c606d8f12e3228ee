namespace TransferLearning.ML.Data;

/// <summary>
/// An ordered list of augmentations. Geometric steps are composed, in order, into one warp that the
/// <see cref="Tensorizer"/> applies together with the resize (one resampling per image, however many steps);
/// photometric steps then run, in order, on the resized values in [0, 1]. Every random draw comes from an
/// <see cref="AugmentationRandom"/> seeded by (seed, epoch, sample index): the same triple always gives the same
/// pixels, whatever thread computes them.
/// </summary>
public sealed class AugmentationPipeline
{
    private readonly IGeometricAugmentation[] _geometric;
    private readonly IPhotometricAugmentation[] _photometric;

    /// <summary>A pipeline of the given steps.</summary>
    /// <exception cref="ArgumentException">A step is neither geometric nor photometric, or its probability is outside [0, 1].</exception>
    public AugmentationPipeline(IEnumerable<IImageAugmentation> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        Steps = steps.ToArray();
        foreach (IImageAugmentation step in Steps)
        {
            if (step is not (IGeometricAugmentation or IPhotometricAugmentation))
                throw new ArgumentException($"{step.GetType().Name} must implement IGeometricAugmentation or IPhotometricAugmentation.", nameof(steps));
            if (step.Probability is < 0 or > 1 || double.IsNaN(step.Probability))
                throw new ArgumentException($"{step} has a probability outside [0, 1].", nameof(steps));
        }
        _geometric = Steps.OfType<IGeometricAugmentation>().ToArray();
        _photometric = Steps.OfType<IPhotometricAugmentation>().ToArray();
    }

    /// <summary>A pipeline of the given steps.</summary>
    public AugmentationPipeline(params IImageAugmentation[] steps) : this((IEnumerable<IImageAugmentation>)steps) { }

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<IImageAugmentation> Steps { get; }

    /// <summary><c>true</c> when at least one step is photometric.</summary>
    public bool HasPhotometric => _photometric.Length > 0;

    /// <summary><c>true</c> when there is no step.</summary>
    public bool IsEmpty => Steps.Count == 0;

    internal void PlanGeometry(AugmentationContext context, ref AugmentationRandom random)
    {
        foreach (IGeometricAugmentation step in _geometric) step.Apply(context, ref random);
    }

    internal void ApplyPhotometric(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random)
    {
        foreach (IPhotometricAugmentation step in _photometric) step.Apply(planes, channels, height, width, ref random);
    }

    /// <inheritdoc/>
    public override string ToString() => IsEmpty ? "no augmentation" : string.Join(", ", Steps);
}
