using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TransferLearning.ML.Data;

/// <summary>
/// Writes one decoded image into a slice of a batch buffer as normalised CHW floats, without allocating: the
/// resize (and any geometric augmentation) is one bilinear affine resampling straight into the output planes,
/// then photometric augmentations run on values in [0, 1], then values are clamped to [0, 1] and normalised.
/// Pixels sampled outside the image are black.
/// </summary>
/// <remarks>An instance keeps one small geometry object and is not thread-safe: use one per thread.</remarks>
internal sealed class Tensorizer
{
    private readonly AugmentationContext _context = new();
    private readonly float[] _scale, _offset;
    // an axis-aligned map's source column and fraction per output column
    private readonly int[] _columnX;
    private readonly float[] _columnFraction;

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
        _columnX = new int[preprocessing.Width];
        _columnFraction = new float[preprocessing.Width];
        for (int c = 0; c < channels; c++)
        {
            float std = preprocessing.Normalization.StdOf(c), mean = preprocessing.Normalization.MeanOf(c);
            _scale[c] = 1 / std;
            _offset[c] = -mean / std;
        }
    }

    /// <summary>The preprocessing applied.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>Samples every map with the general per-pixel loop, never the same-size or axis-aligned shortcuts
    /// (which give the same values faster): the reference the tests hold the shortcuts to.</summary>
    internal bool GeneralSampling { get; init; }

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
        // without photometric steps the normalisation is folded into the resampling: one pass over the output
        bool photometric = augment && augmentation!.HasPhotometric;
        Resample(image, planes, _context.OutputToSource(), normalise: !photometric);
        if (photometric)
        {
            augmentation!.ApplyPhotometric(planes, channels, height, width, ref random);
            Normalise(planes, width * height);
        }
    }

    private unsafe void Resample(DecodedImage image, Span<float> planes,
        (double A, double B, double C, double D, double Tx, double Ty) map, bool normalise)
    {
        int width = Preprocessing.Width, height = Preprocessing.Height, planeSize = width * height;
        int outChannels = Preprocessing.Channels;
        // output = raw byte value · scale + offset, per plane
        float s0 = normalise ? _scale[0] / 255f : 1 / 255f, o0 = normalise ? _offset[0] : 0;
        float s1 = outChannels == 3 ? (normalise ? _scale[1] / 255f : 1 / 255f) : 0, o1 = outChannels == 3 && normalise ? _offset[1] : 0;
        float s2 = outChannels == 3 ? (normalise ? _scale[2] / 255f : 1 / 255f) : 0, o2 = outChannels == 3 && normalise ? _offset[2] : 0;

        fixed (byte* src = image.Buffer)
        fixed (float* dst = planes)
        {
            var sampler = new Sampler(src, image.Width, image.Height, image.Channels, dst, planeSize, outChannels,
                Preprocessing.ChannelOrder == ChannelOrder.BGR, s0, o0, s1, o1, s2, o2);
            if (GeneralSampling)
                sampler.General(map, width, height);
            // the output grid on the source's own pixels (same size, no geometric augmentation): every sample falls on
            // a pixel centre, where bilinear sampling returns the pixel itself
            else if (map is { A: 1, B: 0, C: 0, D: 1, Tx: 0, Ty: 0 } && image.Width == width && image.Height == height)
                sampler.SameSize();
            // an axis-aligned map (resize, crop, pad, flips: no rotation or shear) samples the same source column on
            // every output row: its position is worked out once per column, by the same running sum as the general loop
            else if (map.B == 0 && map.C == 0)
                fixed (int* columnX = _columnX)
                fixed (float* columnFraction = _columnFraction)
                    sampler.AxisAligned(map, width, height, columnX, columnFraction);
            else
                sampler.General(map, width, height);
        }
    }

    /// <summary>Bilinear sampling of one decoded image into the output planes: the general per-pixel loop and two
    /// shortcuts that write the same values bit for bit.</summary>
    private readonly unsafe struct Sampler(byte* src, int sourceWidth, int sourceHeight, int inChannels, float* dst, int planeSize,
        int outChannels, bool bgr, float s0, float o0, float s1, float o1, float s2, float o2)
    {
        private readonly int _stride = sourceWidth * inChannels;

        public void General((double A, double B, double C, double D, double Tx, double Ty) map, int width, int height)
        {
            for (int y = 0; y < height; y++)
            {
                // centre of output pixel (x, y) maps to a continuous source point; minus 0.5 gives sample coordinates
                double v = y + 0.5;
                double px = map.A * 0.5 + map.B * v + map.Tx - 0.5;
                double py = map.C * 0.5 + map.D * v + map.Ty - 0.5;
                int row = y * width;
                for (int x = 0; x < width; x++, px += map.A, py += map.C)
                {
                    int x0 = (int)Math.Floor(px), y0 = (int)Math.Floor(py);
                    Write(row + x, x0, y0, (float)(px - x0), (float)(py - y0));
                }
            }
        }

        public void AxisAligned((double A, double B, double C, double D, double Tx, double Ty) map, int width, int height,
            int* columnX, float* columnFraction)
        {
            double px = map.A * 0.5 + map.Tx - 0.5;
            for (int x = 0; x < width; x++, px += map.A)
            {
                columnX[x] = (int)Math.Floor(px);
                columnFraction[x] = (float)(px - columnX[x]);
            }
            for (int y = 0; y < height; y++)
            {
                double py = map.D * (y + 0.5) + map.Ty - 0.5;
                int y0 = (int)Math.Floor(py), row = y * width;
                float fy = (float)(py - y0);
                for (int x = 0; x < width; x++)
                    Write(row + x, columnX[x], y0, columnFraction[x], fy);
            }
        }

        public void SameSize()
        {
            float* p1 = dst + planeSize, p2 = p1 + planeSize;
            // the common layouts in tight loops; any other through Store
            if (outChannels == 3 && inChannels == 3 && !bgr)
            {
                for (int o = 0; o < planeSize; o++)
                {
                    byte* a = src + 3 * o;
                    dst[o] = a[0] * s0 + o0;
                    p1[o] = a[1] * s1 + o1;
                    p2[o] = a[2] * s2 + o2;
                }
                return;
            }
            if (outChannels == 3 && inChannels == 1)
            {
                for (int o = 0; o < planeSize; o++)
                {
                    float v = src[o];
                    dst[o] = v * s0 + o0;
                    p1[o] = v * s1 + o1;
                    p2[o] = v * s2 + o2;
                }
                return;
            }
            for (int o = 0; o < planeSize; o++)
            {
                byte* a = src + o * inChannels;
                if (inChannels == 1) Store(o, a[0], a[0], a[0]);
                else Store(o, a[0], a[1], a[2]);
            }
        }

        // the bilinear sample at (x0 + fx, y0 + fy) into output pixel o
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Write(int o, int x0, int y0, float fx, float fy)
        {
            float r, g, b;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < sourceWidth && y0 + 1 < sourceHeight)
            {
                byte* a = src + y0 * _stride + x0 * inChannels, c = a + _stride;
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                if (inChannels == 3)
                {
                    r = a[0] * w00 + a[3] * w01 + c[0] * w10 + c[3] * w11;
                    g = a[1] * w00 + a[4] * w01 + c[1] * w10 + c[4] * w11;
                    b = a[2] * w00 + a[5] * w01 + c[2] * w10 + c[5] * w11;
                }
                else r = g = b = a[0] * w00 + a[1] * w01 + c[0] * w10 + c[1] * w11;
            }
            else if (x0 < -1 || y0 < -1 || x0 >= sourceWidth || y0 >= sourceHeight)
                r = g = b = 0;
            else
            {
                // on the border: missing neighbours are black
                r = Border(x0, y0, fx, fy, 0);
                g = inChannels == 3 ? Border(x0, y0, fx, fy, 1) : r;
                b = inChannels == 3 ? Border(x0, y0, fx, fy, 2) : r;
            }
            Store(o, r, g, b);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(int o, float r, float g, float b)
        {
            if (outChannels == 1)
                dst[o] = (inChannels == 3 ? 0.299f * r + 0.587f * g + 0.114f * b : r) * s0 + o0;
            else if (bgr)
            {
                dst[o] = b * s0 + o0;
                dst[planeSize + o] = g * s1 + o1;
                dst[2 * planeSize + o] = r * s2 + o2;
            }
            else
            {
                dst[o] = r * s0 + o0;
                dst[planeSize + o] = g * s1 + o1;
                dst[2 * planeSize + o] = b * s2 + o2;
            }
        }

        private float Border(int x0, int y0, float fx, float fy, int channel)
        {
            float p00 = Pixel(x0, y0, channel), p01 = Pixel(x0 + 1, y0, channel);
            float p10 = Pixel(x0, y0 + 1, channel), p11 = Pixel(x0 + 1, y0 + 1, channel);
            float top = p00 + (p01 - p00) * fx, bottom = p10 + (p11 - p10) * fx;
            return top + (bottom - top) * fy;
        }

        private float Pixel(int x, int y, int channel) =>
            x < 0 || y < 0 || x >= sourceWidth || y >= sourceHeight ? 0f : src[y * _stride + x * inChannels + channel];
    }

    private void Normalise(Span<float> planes, int planeSize)
    {
        for (int c = 0; c < Preprocessing.Channels; c++)
        {
            Span<float> plane = planes.Slice(c * planeSize, planeSize);
            float scale = _scale[c], offset = _offset[c];
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vectorScale = new Vector<float>(scale);
                var vectorOffset = new Vector<float>(offset);
                Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(plane);
                for (int k = 0; k < vectors.Length; k++)
                    vectors[k] = Vector.Min(Vector.Max(vectors[k], Vector<float>.Zero), Vector<float>.One) * vectorScale + vectorOffset;
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < plane.Length; i++) plane[i] = Math.Clamp(plane[i], 0f, 1f) * scale + offset;
        }
    }
}
