using System.Globalization;
using System.Net;

namespace TransferLearning.ML.WebDemo;

/// <summary>What the web demo serves and how: read once at startup from the command line and environment.</summary>
/// <param name="ModelPath">The saved model (<c>--model</c>, or the environment variable <c>TL_MODEL</c>).</param>
/// <param name="Urls">Where to listen (<c>--urls</c>; default <see cref="DefaultUrl"/>); loopback addresses only.</param>
/// <param name="MaxUploadBytes">The largest accepted image (<c>--max-upload-mb</c> or <c>TL_MAX_UPLOAD_MB</c>;
/// default 10 MB).</param>
public sealed record WebDemoSettings(string ModelPath, IReadOnlyList<string> Urls, long MaxUploadBytes)
{
    /// <summary>Where the demo listens when <c>--urls</c> is not given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The default upload limit in megabytes.</summary>
    public const int DefaultMaxUploadMegabytes = 10;

    /// <summary>
    /// Room for the multipart framing around the image (boundaries, part headers): the request may exceed the
    /// image limit by this much, so an image of exactly the limit is accepted.
    /// </summary>
    public const long MultipartOverheadBytes = 64 * 1024;

    /// <summary>
    /// The pixel budget of an uploaded image (width × height from its header; <c>--max-megapixels</c> or
    /// <c>TL_MAX_MEGAPIXELS</c>; default 64 megapixels, <see cref="Data.ImageLoadingOptions.DefaultMaxImagePixels"/>): a larger
    /// image is answered 413 before any pixel is decoded, so a tiny "decompression bomb" costs no memory.
    /// </summary>
    public long MaxImagePixels { get; init; } = Data.ImageLoadingOptions.DefaultMaxImagePixels;

    /// <summary>The largest request body Kestrel reads.</summary>
    public long MaxRequestBodyBytes => MaxUploadBytes + MultipartOverheadBytes;

    /// <summary>Reads the settings from configuration (command line <c>--model</c>, <c>--urls</c>,
    /// <c>--max-upload-mb</c>; environment <c>TL_MODEL</c>, <c>TL_MAX_UPLOAD_MB</c>, <c>ASPNETCORE_URLS</c>).</summary>
    /// <exception cref="WebDemoStartupException">No model is named, the upload limit is not a positive number, or
    /// an address is not a loopback address.</exception>
    public static WebDemoSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var urls = ParseUrls(configuration["urls"]);
        long maxUpload = ParseMegabytes(configuration["max-upload-mb"] ?? configuration["TL_MAX_UPLOAD_MB"]);
        string? model = configuration["model"] is { Length: > 0 } fromArgs ? fromArgs : configuration["TL_MODEL"];
        if (string.IsNullOrWhiteSpace(model))
            throw new WebDemoStartupException(
                "No model to serve: pass --model path/to/model.tlmodel (or set TL_MODEL). " +
                "Train and save one first, e.g. with samples/Quickstart or TransferLearner...Fit().Model.Save(path).");
        long maxPixels = ParseMegapixels(configuration["max-megapixels"] ?? configuration["TL_MAX_MEGAPIXELS"]);
        return new WebDemoSettings(Path.GetFullPath(model), urls, maxUpload) { MaxImagePixels = maxPixels };
    }

    private static List<string> ParseUrls(string? configured)
    {
        var urls = (configured ?? DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (urls.Count == 0) urls.Add(DefaultUrl);
        foreach (string url in urls)
        {
            BindingAddress address;
            try { address = BindingAddress.Parse(url); }
            catch (FormatException e)
            {
                throw new WebDemoStartupException($"--urls: '{url}' is not an address; use e.g. {DefaultUrl}.", e);
            }
            // the demo has no authentication and shows medical images: it must not be reachable from the network
            bool loopback = address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback)
                throw new WebDemoStartupException(
                    $"--urls: '{url}' would listen beyond this machine; the web demo listens on loopback only. Use e.g. {DefaultUrl}.");
        }
        return urls;
    }

    private static long ParseMegapixels(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Data.ImageLoadingOptions.DefaultMaxImagePixels;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double megapixels)
            || !(megapixels > 0) || megapixels > 1e5)
            throw new WebDemoStartupException(
                $"--max-megapixels: '{text}' is not a number of megapixels between 0 and 100000; use e.g. --max-megapixels 64.");
        return Math.Max(1, (long)(megapixels * 1e6));
    }

    private static long ParseMegabytes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultMaxUploadMegabytes * 1024L * 1024;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double megabytes)
            || !(megabytes > 0) || megabytes > 1024)
            throw new WebDemoStartupException(
                $"--max-upload-mb: '{text}' is not a size in megabytes between 0 and 1024; use e.g. --max-upload-mb {DefaultMaxUploadMegabytes}.");
        return (long)(megabytes * 1024 * 1024);
    }
}
