namespace TransferLearning.ML.Data;

/// <summary>Multiply every value by a uniform factor in 1 ± <see cref="MaxDelta"/> (torchvision's brightness jitter).</summary>
public sealed record Brightness(double MaxDelta, double Probability = 1) : IPhotometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        float factor = (float)random.Uniform(1 - MaxDelta, 1 + MaxDelta);
        System.Numerics.Tensors.TensorPrimitives.Multiply(planes, factor, planes);
    }
}

/// <summary>Stretch values about the image mean by a uniform factor in 1 ± <see cref="MaxDelta"/>.</summary>
public sealed record Contrast(double MaxDelta, double Probability = 1) : IPhotometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        float factor = (float)random.Uniform(1 - MaxDelta, 1 + MaxDelta);
        float mean = System.Numerics.Tensors.TensorPrimitives.Sum<float>(planes) / planes.Length;
        // (v − mean) · factor + mean = v · factor + mean · (1 − factor)
        System.Numerics.Tensors.TensorPrimitives.Multiply(planes, factor, planes);
        System.Numerics.Tensors.TensorPrimitives.Add(planes, mean * (1 - factor), planes);
    }
}

/// <summary>Raise values (in [0, 1]) to a uniform power in [<see cref="Min"/>, <see cref="Max"/>].</summary>
public sealed record Gamma(double Min, double Max, double Probability = 1) : IPhotometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        double gamma = random.Uniform(Min, Max);
        foreach (ref float v in planes) v = v <= 0 ? 0 : (float)Math.Pow(v, gamma);
    }
}

/// <summary>Add zero-mean Gaussian noise with standard deviation <see cref="Std"/> (in [0, 1] units) to every value.</summary>
public sealed record GaussianNoise(double Std, double Probability = 1) : IPhotometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        // the same noise on every plane keeps gray images gray
        int plane = height * width;
        for (int i = 0; i < plane; i++)
        {
            float noise = (float)(random.NextGaussian() * Std);
            for (int c = 0; c < channels; c++) planes[c * plane + i] += noise;
        }
    }
}

/// <summary>
/// Black out <see cref="Count"/> square(s) of side <see cref="SizeFraction"/> × the shorter side at random places
/// (DeVries &amp; Taylor 2017), so the network cannot rely on one small region.
/// </summary>
public sealed record Cutout(double SizeFraction = 0.2, int Count = 1, double Probability = 0.5) : IPhotometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(Span<float> planes, int channels, int height, int width, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        int side = Math.Max(1, (int)(SizeFraction * Math.Min(width, height)));
        for (int n = 0; n < Count; n++)
        {
            int cx = random.NextInt(width), cy = random.NextInt(height);
            int x0 = Math.Max(0, cx - side / 2), x1 = Math.Min(width, cx - side / 2 + side);
            int y0 = Math.Max(0, cy - side / 2), y1 = Math.Min(height, cy - side / 2 + side);
            for (int c = 0; c < channels; c++)
                for (int y = y0; y < y1; y++)
                    planes.Slice(c * height * width + y * width + x0, x1 - x0).Clear();
        }
    }
}
