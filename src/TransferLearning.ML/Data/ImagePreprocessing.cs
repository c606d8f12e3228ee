namespace TransferLearning.ML.Data;

/// <summary>
/// How a decoded image becomes a network input: resize to <see cref="Width"/>×<see cref="Height"/> by
/// <see cref="ResizeMode"/>, scale to [0, 1], normalise, and lay out as CHW planes in <see cref="ChannelOrder"/>.
/// </summary>
public sealed record ImagePreprocessing
{
    /// <summary>Target width in pixels. Default 224.</summary>
    public int Width { get; init; } = 224;

    /// <summary>Target height in pixels. Default 224.</summary>
    public int Height { get; init; } = 224;

    /// <summary>How the image is fitted to the target. Default <see cref="ResizeMode.Stretch"/>.</summary>
    public ResizeMode ResizeMode { get; init; } = ResizeMode.Stretch;

    /// <summary>
    /// Normalisation after scaling to [0, 1], with statistics given in <see cref="ChannelOrder"/>'s order.
    /// Default <see cref="Normalization.ImageNet"/>.
    /// </summary>
    public Normalization Normalization { get; init; } = Normalization.ImageNet;

    /// <summary>Plane order of the tensor. Default <see cref="ChannelOrder.RGB"/>.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.RGB;

    /// <summary>
    /// 3 (gray images replicated to three planes; what ImageNet backbones expect) or 1 (colour converted to luma
    /// 0.299 R + 0.587 G + 0.114 B). Default 3.
    /// </summary>
    public int Channels { get; init; } = 3;

    /// <summary>Floats per image: <c>Channels · Height · Width</c>.</summary>
    public int ValuesPerImage => Channels * Height * Width;

    /// <summary>The 224×224 RGB ImageNet input of torchvision and ONNX Model Zoo backbones.</summary>
    public static ImagePreprocessing ImageNet224 { get; } = new();

    /// <summary>
    /// The settings in one line, e.g. <c>224×224 RGB, (x − mean) / std per channel on pixels in [0, 1], mean 0.485,
    /// 0.456, 0.406, std 0.229, 0.224, 0.225</c>; for a 0–255 backbone the statistics read as multiples of 1/255.
    /// </summary>
    public string Describe()
    {
        static string List(IReadOnlyList<float> values) =>
            string.Join(",", values.Select(v => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)));
        bool zeroTo255 = Normalization.Std.All(s => Math.Abs(s * 255 - 1) < 1e-4);
        string stats = zeroTo255
            ? $"pixels 0-255 minus mean {List(Normalization.Mean.Select(m => m * 255).ToArray())}"
            : $"pixels in [0,1], mean {List(Normalization.Mean)}, std {List(Normalization.Std)}";
        return $"{Width}×{Height} {ChannelOrder} ({Channels} channel{(Channels == 1 ? "" : "s")}), {ResizeMode}, {stats}";
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A size is below 1, channels is not 1 or 3, or the normalisation is malformed.</exception>
    public void Validate()
    {
        if (Width < 1 || Height < 1)
            throw new ArgumentException($"ImagePreprocessing.Width and Height must be at least 1 (got {Width}×{Height}).");
        if (Channels is not (1 or 3))
            throw new ArgumentException($"ImagePreprocessing.Channels must be 1 or 3 (got {Channels}).");
        if (Normalization.Mean.Count is not (1 or 3) || Normalization.Std.Count is not (1 or 3) ||
            (Channels == 1 && (Normalization.Mean.Count != 1 || Normalization.Std.Count != 1) &&
             !(Normalization.Mean.Distinct().Count() == 1 && Normalization.Std.Distinct().Count() == 1)))
            throw new ArgumentException("ImagePreprocessing.Normalization needs 1 or 3 means and stds (1 when Channels = 1).");
        if (Normalization.Std.Any(s => !(s > 0)))
            throw new ArgumentException("ImagePreprocessing.Normalization.Std values must be positive.");
    }

    /// <summary>
    /// One image as a model with this preprocessing reads it: decoded, resized, channel-ordered and normalised into
    /// [<see cref="Channels"/>, <see cref="Height"/>, <see cref="Width"/>] floats (CHW, <see cref="ValuesPerImage"/>
    /// values), exactly what training, evaluation and prediction feed the network.
    /// </summary>
    /// <param name="source">The encoded image (PNG, JPEG or BMP).</param>
    /// <param name="maxImagePixels">Largest accepted width × height; default 64 megapixels.</param>
    /// <exception cref="ImageDataException">The image is missing or not readable.</exception>
    /// <exception cref="ImageTooLargeException">The image has more than <paramref name="maxImagePixels"/> pixels.</exception>
    public float[] ToInput(ImageSource source, long maxImagePixels = ImageLoadingOptions.DefaultMaxImagePixels)
    {
        ArgumentNullException.ThrowIfNull(source);
        Validate();
        var image = new DecodedImage();
        new ImageDecoder(maxImagePixels).Decode(source, image, this);
        var values = new float[ValuesPerImage];
        new Tensorizer(this).Write(image, values);
        return values;
    }

    /// <summary>
    /// The largest integer factor by which an image of the given size can be shrunk while staying at or above the
    /// resolution this preprocessing samples it at (1 when no reduction helps).
    /// </summary>
    internal int ReductionFactor(int width, int height)
    {
        (double sx, double sy) = BaseScale(width, height);
        double scale = Math.Max(sx, sy);
        return scale >= 0.5 ? 1 : Math.Max(1, (int)Math.Floor(1 / scale + 1e-9));
    }

    /// <summary>Destination pixels per source pixel along x and y for the resize mode.</summary>
    internal (double X, double Y) BaseScale(int width, int height) => ResizeMode switch
    {
        ResizeMode.ShorterSideCenterCrop => (Math.Max((double)Width / width, (double)Height / height),
                                             Math.Max((double)Width / width, (double)Height / height)),
        ResizeMode.PadToSquare => (Math.Min((double)Width / width, (double)Height / height),
                                   Math.Min((double)Width / width, (double)Height / height)),
        _ => ((double)Width / width, (double)Height / height),
    };
}
