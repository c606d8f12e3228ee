namespace TransferLearning.ML.Data;

/// <summary>
/// How a training run reads its images: every loader of the run (feature extraction, training, validation, the
/// final evaluation) and the trained model's pixel budget use these settings. Given to
/// <c>TransferLearner.WithLoader</c>, which takes the whole object: options not set keep their defaults.
/// </summary>
public sealed record ImageLoadingOptions
{
    /// <summary>Decoding threads per loader. Default <c>null</c>: the number of cores.</summary>
    public int? Workers { get; init; }

    /// <summary>
    /// Cap of each loader's cache in bytes (see <see cref="BatchLoaderOptions.DecodedCacheBytes"/>): from the second
    /// epoch on, cached images are not decoded again. Default 0: no cache, every epoch decodes its images. Measured
    /// on kermany-cxr (2 cores, 3 fine-tuning epochs, docs/performance.md): the 1 GiB cache per loader of earlier
    /// versions saved 2 % of the time (decoding runs on the loader's workers ahead of training) and raised the peak
    /// resident memory from 1.8 GB to 5.5 GB. Worth turning on (e.g. <see cref="SuggestedCacheBytes"/>) where
    /// reading an image is slow: large files on network storage.
    /// </summary>
    public long DecodedCacheBytes { get; init; }

    /// <summary>
    /// Leave unreadable images out instead of stopping: every loader of the run skips them, each is logged once as
    /// a warning, and all are listed in the training result's <c>SkippedFiles</c> and the report. Default
    /// <c>false</c>: an unreadable image stops the run with an error naming it.
    /// </summary>
    public bool SkipUnreadableImages { get; init; }

    /// <summary>
    /// The pixel budget of one image (see <see cref="BatchLoaderOptions.MaxImagePixels"/>), also given to the
    /// trained model's <c>MaxImagePixels</c>. Default <see cref="DefaultMaxImagePixels"/> (64 megapixels).
    /// </summary>
    public long MaxImagePixels { get; init; } = DefaultMaxImagePixels;

    /// <summary>The default pixel budget of one image everywhere images are decoded: 64 megapixels.</summary>
    public const long DefaultMaxImagePixels = ImageDecoder.DefaultMaxPixels;

    /// <summary>
    /// A cache size for <see cref="DecodedCacheBytes"/> when decoding is the bottleneck: 1 GiB, or a sixteenth of
    /// the memory available to the process when that is less (each loader of a run gets one).
    /// </summary>
    public static long SuggestedCacheBytes => Math.Min(1L << 30, Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 16));

    internal int WorkerCount => Workers ?? Environment.ProcessorCount;

    internal long CacheBytes => DecodedCacheBytes;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (Workers is < 1)
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "ImageLoadingOptions.Workers must be at least 1 (default: the number of cores).");
        if (DecodedCacheBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(DecodedCacheBytes), DecodedCacheBytes, "ImageLoadingOptions.DecodedCacheBytes cannot be negative (0 turns the cache off).");
        if (MaxImagePixels < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxImagePixels), MaxImagePixels, "ImageLoadingOptions.MaxImagePixels must be at least 1 (default 64 000 000).");
    }
}
