namespace TransferLearning.ML.Data;

/// <summary>How an <see cref="ImageBatchLoader"/> batches, shuffles, augments and parallelises.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Images per batch. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the order every epoch (training). Default <c>false</c> (dataset order: evaluation).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seed of the shuffle and of the augmentation. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Augmentation for training, or <c>null</c> (default) for none.</summary>
    public AugmentationPipeline? Augmentation { get; init; }

    /// <summary>Decoding threads. Default <see cref="Environment.ProcessorCount"/>.</summary>
    public int WorkerCount { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Batches prepared ahead of the one being consumed. Default 2. The loader owns
    /// <c>PrefetchBatches + 2</c> batch buffers, whatever the dataset size.
    /// </summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>
    /// Bytes of decoded (not yet augmented) images kept in memory between epochs, so later epochs skip decoding.
    /// Images are kept first come, first served until the cap is reached (with a shuffled order an LRU would
    /// evict every image just before its next use). Default 0: no cache. A loader without augmentation whose
    /// finished inputs (resized, normalised floats) all fit in the cap keeps those instead, so later epochs copy
    /// them rather than resample.
    /// </summary>
    public long DecodedCacheBytes { get; init; }

    /// <summary>
    /// When <c>true</c>, an image that cannot be read is left out of its batch, reported once through
    /// <see cref="ImageBatchLoader.SkippedImages"/>, <see cref="ImageBatchLoader.ImageSkipped"/> and the logger,
    /// and the batch is shorter. Default <c>false</c>: <see cref="ImageDataException"/> is thrown.
    /// </summary>
    public bool SkipUnreadableImages { get; init; }

    /// <summary>
    /// The pixel budget of one image (width × height from its header): a larger image is refused before decoding
    /// with <see cref="ImageTooLargeException"/> (skipped and listed like any unreadable image with
    /// <see cref="SkipUnreadableImages"/>). Default <see cref="ImageDecoder.DefaultMaxPixels"/> (64 megapixels).
    /// </summary>
    public long MaxImagePixels { get; init; } = ImageDecoder.DefaultMaxPixels;

    /// <summary>
    /// Decode images much larger than the output at a reduced scale that stays at or above the output resolution
    /// (fast and light for large scans). Turn off when an augmentation zooms far into the image (e.g.
    /// <see cref="RandomResizedCrop"/> with small areas on large images) and the full detail matters. Default <c>true</c>.
    /// </summary>
    public bool DecodeAtReducedScale { get; init; } = true;

    /// <summary>Leave out a last, smaller batch. Default <c>false</c>.</summary>
    public bool DropLast { get; init; }

    /// <summary>
    /// A stable identity per image of the loader's dataset (by sample index), used instead of the sample index to
    /// seed its augmentation: feature extraction seeds a view by (seed, view, image content), so the same image is
    /// augmented alike whichever other images a run still had to compute. <c>null</c>: the sample index.
    /// </summary>
    internal IReadOnlyList<ulong>? AugmentationIdentities { get; init; }
}
