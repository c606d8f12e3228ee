using System.Numerics;

namespace TransferLearning.ML.Data;

/// <summary>Mirror left–right with probability <see cref="Probability"/> (default 0.5). Not for chest X-rays.</summary>
public sealed record HorizontalFlip(double Probability = 0.5) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (random.Chance(Probability)) context.ComposeAboutCenter(Matrix3x2.CreateScale(-1, 1));
    }
}

/// <summary>Mirror top–bottom with probability <see cref="Probability"/> (default 0.5). Fine for fundus or microscopy.</summary>
public sealed record VerticalFlip(double Probability = 0.5) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (random.Chance(Probability)) context.ComposeAboutCenter(Matrix3x2.CreateScale(1, -1));
    }
}

/// <summary>Rotate by a uniform angle in ±<see cref="MaxDegrees"/> about the centre (corners filled black).</summary>
public sealed record Rotation(double MaxDegrees, double Probability = 1) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        double degrees = random.Uniform(-MaxDegrees, MaxDegrees);
        context.ComposeAboutCenter(Matrix3x2.CreateRotation((float)(degrees * Math.PI / 180)));
    }
}

/// <summary>Scale about the centre by a uniform factor in [<see cref="Min"/>, <see cref="Max"/>] (above 1 zooms in).</summary>
public sealed record Zoom(double Min, double Max, double Probability = 1) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        float factor = (float)random.Uniform(Min, Max);
        context.ComposeAboutCenter(Matrix3x2.CreateScale(factor));
    }
}

/// <summary>Translate by uniform fractions of the size in ±<see cref="MaxFractionX"/> and ±<see cref="MaxFractionY"/>.</summary>
public sealed record Shift(double MaxFractionX, double MaxFractionY, double Probability = 1) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        double dx = random.Uniform(-MaxFractionX, MaxFractionX) * context.Width;
        double dy = random.Uniform(-MaxFractionY, MaxFractionY) * context.Height;
        context.Warp *= Matrix3x2.CreateTranslation((float)dx, (float)dy);
    }
}

/// <summary>Shear along x by a uniform angle in ±<see cref="MaxDegrees"/> about the centre.</summary>
public sealed record Shear(double MaxDegrees, double Probability = 1) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        double angle = random.Uniform(-MaxDegrees, MaxDegrees) * Math.PI / 180;
        context.ComposeAboutCenter(Matrix3x2.CreateSkew((float)angle, 0));
    }
}

/// <summary>
/// Inception-style random resized crop: a region of <see cref="MinArea"/>–<see cref="MaxArea"/> of the image area
/// with aspect ratio in [<see cref="MinRatio"/>, <see cref="MaxRatio"/>] (log-uniform) at a random place becomes the
/// whole output. Replaces the resize mode's region for that image; put it first in a pipeline.
/// </summary>
public sealed record RandomResizedCrop(double MinArea = 0.08, double MaxArea = 1, double MinRatio = 3.0 / 4,
    double MaxRatio = 4.0 / 3, double Probability = 1) : IGeometricAugmentation
{
    /// <inheritdoc/>
    public void Apply(AugmentationContext context, ref AugmentationRandom random)
    {
        if (!random.Chance(Probability)) return;
        double area = (double)context.SourceWidth * context.SourceHeight;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * random.Uniform(MinArea, MaxArea);
            double ratio = Math.Exp(random.Uniform(Math.Log(MinRatio), Math.Log(MaxRatio)));
            double w = Math.Sqrt(target * ratio), h = Math.Sqrt(target / ratio);
            if (w <= context.SourceWidth && h <= context.SourceHeight)
            {
                double x = random.Uniform(0, context.SourceWidth - w), y = random.Uniform(0, context.SourceHeight - h);
                context.SourceRegion = (x, y, w, h);
                return;
            }
        }
        // no fitting crop in ten draws: fall back to the largest centred square-ish crop, as torchvision does
        double side = Math.Min(context.SourceWidth, context.SourceHeight);
        context.SourceRegion = ((context.SourceWidth - side) / 2, (context.SourceHeight - side) / 2, side, side);
    }
}
