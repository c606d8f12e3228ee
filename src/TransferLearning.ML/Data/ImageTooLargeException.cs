using System.Globalization;

namespace TransferLearning.ML.Data;

/// <summary>
/// An image whose header gives more pixels than the decoder's budget (<see cref="ImageDecoder.MaxPixels"/>,
/// default <see cref="ImageDecoder.DefaultMaxPixels"/>): refused before any pixel is decoded, so a tiny file that
/// claims 40000×40000 pixels (a decompression bomb) costs no memory. Raise the budget where the images are read:
/// <see cref="BatchLoaderOptions.MaxImagePixels"/>, <see cref="TransferLearner.WithLoader"/>'s
/// <c>maxImagePixels</c>, <see cref="Models.TransferModel.MaxImagePixels"/> or <see cref="ImageDecoder.MaxPixels"/>.
/// </summary>
public sealed class ImageTooLargeException : ImageDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="fileName">The file or display name of the image.</param>
    /// <param name="width">Width given by the header.</param>
    /// <param name="height">Height given by the header.</param>
    /// <param name="maxPixels">The budget it exceeds.</param>
    public ImageTooLargeException(string fileName, int width, int height, long maxPixels)
        : base(Describe(fileName, width, height, maxPixels) + " Downscale the image, or raise MaxImagePixels " +
            "(BatchLoaderOptions.MaxImagePixels, ImageLoadingOptions.MaxImagePixels, TransferModel.MaxImagePixels) if it is genuine.",
            fileName)
    {
        Width = width;
        Height = height;
        MaxPixels = maxPixels;
    }

    /// <summary>Width the image's header gives.</summary>
    public int Width { get; }

    /// <summary>Height the image's header gives.</summary>
    public int Height { get; }

    /// <summary>Pixels claimed by the header (width × height).</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>The budget the image exceeds.</summary>
    public long MaxPixels { get; }

    /// <summary>The message without the advice (for callers that give their own, e.g. the CLI's flag).</summary>
    public string Problem => Describe(FileName!, Width, Height, MaxPixels);

    private static string Describe(string fileName, int width, int height, long maxPixels) =>
        $"'{fileName}' is {width}×{height} pixels ({Megapixels((long)width * height)} megapixels), more than the limit of " +
        $"{Megapixels(maxPixels)} megapixels; it was not decoded.";

    internal static string Megapixels(long pixels) => (pixels / 1e6).ToString("0.#", CultureInfo.InvariantCulture);
}
