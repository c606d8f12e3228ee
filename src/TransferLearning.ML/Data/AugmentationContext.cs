using System.Numerics;

namespace TransferLearning.ML.Data;

/// <summary>
/// The geometry of one image being prepared: which source rectangle is mapped onto the output, and an extra warp
/// applied in output coordinates. Geometric augmentations compose into it; the tensorizer then samples the source
/// once through the combined transform.
/// </summary>
public sealed class AugmentationContext
{
    internal AugmentationContext() { }

    /// <summary>Decoded image width.</summary>
    public int SourceWidth { get; private set; }

    /// <summary>Decoded image height.</summary>
    public int SourceHeight { get; private set; }

    /// <summary>Output width.</summary>
    public int Width { get; private set; }

    /// <summary>Output height.</summary>
    public int Height { get; private set; }

    /// <summary>The source rectangle (pixel units, may exceed the image: outside is black) mapped onto the output.</summary>
    public (double X, double Y, double Width, double Height) SourceRegion { get; set; }

    /// <summary>
    /// The warp applied after the source region is mapped onto the output, in output pixel coordinates
    /// (row-vector convention of <see cref="Matrix3x2"/>: <c>p' = p · Warp</c>). Starts as identity.
    /// </summary>
    public Matrix3x2 Warp { get; set; }

    /// <summary>Adds <paramref name="transform"/>, expressed about the output centre, after the current warp.</summary>
    public void ComposeAboutCenter(Matrix3x2 transform)
    {
        var center = new Vector2(Width / 2f, Height / 2f);
        Warp = Warp * Matrix3x2.CreateTranslation(-center) * transform * Matrix3x2.CreateTranslation(center);
    }

    internal void Reset(int sourceWidth, int sourceHeight, ImagePreprocessing preprocessing)
    {
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Width = preprocessing.Width;
        Height = preprocessing.Height;
        (double sx, double sy) = preprocessing.BaseScale(sourceWidth, sourceHeight);
        double regionWidth = Width / sx, regionHeight = Height / sy;
        SourceRegion = ((sourceWidth - regionWidth) / 2, (sourceHeight - regionHeight) / 2, regionWidth, regionHeight);
        Warp = Matrix3x2.Identity;
    }

    /// <summary>
    /// The output-to-source map as (a, b, c, d, tx, ty): source x = a·u + b·v + tx, source y = c·u + d·v + ty for
    /// output point (u, v), in continuous pixel coordinates (pixel i spans [i, i+1)).
    /// </summary>
    internal (double A, double B, double C, double D, double Tx, double Ty) OutputToSource()
    {
        Matrix3x2.Invert(Warp, out Matrix3x2 inverse);
        (double rx, double ry, double rw, double rh) = SourceRegion;
        double kx = rw / Width, ky = rh / Height;
        // source = region origin + k · (p · inverse)
        return (inverse.M11 * kx, inverse.M21 * kx, inverse.M12 * ky, inverse.M22 * ky,
                inverse.M31 * kx + rx, inverse.M32 * ky + ry);
    }
}
