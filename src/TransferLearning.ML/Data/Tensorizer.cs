namespace TransferLearning.ML.Data;

/// <summary>
/// Writes one decoded image into a slice of a batch buffer as normalised CHW floats, without allocating: the
/// resize (and any geometric augmentation) is one bilinear affine resampling straight into the output planes,
/// then photometric augmentations run on values in [0, 1], then values are clamped to [0, 1] and normalised.
/// Pixels sampled outside the image are black.
/// </summary>
/// <remarks>An instance keeps one small geometry object and is not thread-safe: use one per thread.</remarks>
public sealed class Tensorizer
{
    private readonly AugmentationContext _context = new();
    private readonly float[] _scale, _offset;
    private readonly int[] _sourceChannelOfPlane;

    /// <summary>A tensorizer for <paramref name="preprocessing"/>.</summary>
    /// <exception cref="ArgumentException">The preprocessing is invalid (see <see cref="ImagePreprocessing.Validate"/>).</exception>
    public Tensorizer(ImagePreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        Preprocessing = preprocessing;
        int channels = preprocessing.Channels;
        _scale = new float[channels];
        _offset = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            float std = preprocessing.Normalization.StdOf(c), mean = preprocessing.Normalization.MeanOf(c);
            _scale[c] = 1 / std;
            _offset[c] = -mean / std;
        }
        _sourceChannelOfPlane = preprocessing.ChannelOrder == ChannelOrder.BGR ? [2, 1, 0] : [0, 1, 2];
    }

    /// <summary>The preprocessing applied.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>Writes <paramref name="image"/> into <paramref name="destination"/> without augmentation.</summary>
    /// <param name="image">The decoded image.</param>
    /// <param name="destination">At least <see cref="ImagePreprocessing.ValuesPerImage"/> floats.</param>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    public void Write(DecodedImage image, Span<float> destination) => Write(image, destination, null, default);

    /// <summary>Writes <paramref name="image"/> into <paramref name="destination"/>, augmented.</summary>
    /// <param name="image">The decoded image.</param>
    /// <param name="destination">At least <see cref="ImagePreprocessing.ValuesPerImage"/> floats.</param>
    /// <param name="augmentation">The augmentation, or <c>null</c> for none.</param>
    /// <param name="random">The generator of this (seed, epoch, sample).</param>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    public void Write(DecodedImage image, Span<float> destination, AugmentationPipeline? augmentation, AugmentationRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        int width = Preprocessing.Width, height = Preprocessing.Height, channels = Preprocessing.Channels;
        int values = channels * width * height;
        if (destination.Length < values)
            throw new ArgumentException($"The destination holds {destination.Length} floats; one image needs {values}.", nameof(destination));
        Span<float> planes = destination[..values];

        _context.Reset(image.Width, image.Height, Preprocessing);
        bool augment = augmentation is { IsEmpty: false };
        if (augment) augmentation!.PlanGeometry(_context, ref random);
        Resample(image, planes, _context.OutputToSource());
        if (augment) augmentation!.ApplyPhotometric(planes, channels, height, width, ref random);
        Normalise(planes, width * height);
    }

    private void Resample(DecodedImage image, Span<float> planes, (double A, double B, double C, double D, double Tx, double Ty) map)
    {
        int width = Preprocessing.Width, height = Preprocessing.Height, planeSize = width * height;
        int outChannels = Preprocessing.Channels, inChannels = image.Channels;
        int sourceWidth = image.Width, sourceHeight = image.Height;
        ReadOnlySpan<byte> src = image.Pixels;
        const float inv255 = 1f / 255f;
        Span<float> sample = stackalloc float[3];
        for (int y = 0; y < height; y++)
        {
            // centre of output pixel (x, y) maps to continuous source point; minus 0.5 gives sample coordinates
            double v = y + 0.5;
            double px = map.A * 0.5 + map.B * v + map.Tx - 0.5;
            double py = map.C * 0.5 + map.D * v + map.Ty - 0.5;
            int row = y * width;
            for (int x = 0; x < width; x++, px += map.A, py += map.C)
            {
                int x0 = (int)Math.Floor(px), y0 = (int)Math.Floor(py);
                float fx = (float)(px - x0), fy = (float)(py - y0);
                if (x0 >= 0 && y0 >= 0 && x0 + 1 < sourceWidth && y0 + 1 < sourceHeight)
                {
                    int i00 = (y0 * sourceWidth + x0) * inChannels, i10 = i00 + sourceWidth * inChannels;
                    for (int c = 0; c < inChannels; c++)
                    {
                        float top = src[i00 + c] + (src[i00 + inChannels + c] - src[i00 + c]) * fx;
                        float bottom = src[i10 + c] + (src[i10 + inChannels + c] - src[i10 + c]) * fx;
                        sample[c] = (top + (bottom - top) * fy) * inv255;
                    }
                }
                else if (x0 < -1 || y0 < -1 || x0 >= sourceWidth || y0 >= sourceHeight)
                {
                    sample.Clear();
                }
                else
                {
                    // on the border: missing neighbours are black
                    for (int c = 0; c < inChannels; c++)
                    {
                        float p00 = Pixel(src, x0, y0, c), p01 = Pixel(src, x0 + 1, y0, c);
                        float p10 = Pixel(src, x0, y0 + 1, c), p11 = Pixel(src, x0 + 1, y0 + 1, c);
                        float top = p00 + (p01 - p00) * fx, bottom = p10 + (p11 - p10) * fx;
                        sample[c] = (top + (bottom - top) * fy) * inv255;
                    }
                }
                int o = row + x;
                if (inChannels == outChannels)
                {
                    if (outChannels == 1) planes[o] = sample[0];
                    else
                    {
                        planes[o] = sample[_sourceChannelOfPlane[0]];
                        planes[planeSize + o] = sample[_sourceChannelOfPlane[1]];
                        planes[2 * planeSize + o] = sample[_sourceChannelOfPlane[2]];
                    }
                }
                else if (outChannels == 3)
                {
                    planes[o] = planes[planeSize + o] = planes[2 * planeSize + o] = sample[0];
                }
                else planes[o] = 0.299f * sample[0] + 0.587f * sample[1] + 0.114f * sample[2];
            }
        }

        float Pixel(ReadOnlySpan<byte> pixels, int px, int py, int c) =>
            px < 0 || py < 0 || px >= sourceWidth || py >= sourceHeight ? 0f : pixels[(py * sourceWidth + px) * inChannels + c];
    }

    private void Normalise(Span<float> planes, int planeSize)
    {
        for (int c = 0; c < Preprocessing.Channels; c++)
        {
            Span<float> plane = planes.Slice(c * planeSize, planeSize);
            float scale = _scale[c], offset = _offset[c];
            for (int i = 0; i < plane.Length; i++) plane[i] = Math.Clamp(plane[i], 0f, 1f) * scale + offset;
        }
    }
}
