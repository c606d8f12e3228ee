using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TransferLearning.ML.Data;

/// <summary>
/// Turns an <see cref="ImageDataset"/> into batches of preprocessed (and, for training, augmented) images. Worker
/// threads decode, augment and tensorise images ahead of the consumer into a fixed pool of
/// <c>PrefetchBatches + 2</c> batch buffers, so memory stays bounded whatever the dataset size. The order of
/// images, and every pixel, depend only on (seed, epoch), never on thread timing.
/// </summary>
public sealed class ImageBatchLoader : IDisposable
{
    private readonly ImageDataset _dataset;
    private readonly ILogger _logger;
    private ImageCache<DecodedImage>? _cache;
    private ImageCache<float[]>? _prepared;
    private readonly ConcurrentDictionary<int, SkippedFile> _unreadable = new();
    private readonly WorkerState[] _workers;
    private float[][]? _buffers;
    private int _reading;
    private bool _disposed;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The images.</param>
    /// <param name="preprocessing">Size, resize mode, normalisation and channels of the output.</param>
    /// <param name="options">Batch size, shuffling, augmentation, workers; default <c>null</c>: the defaults of <see cref="BatchLoaderOptions"/>.</param>
    /// <param name="logger">Receives a warning per skipped image. Default: none.</param>
    /// <exception cref="ArgumentException">An option is out of range or the preprocessing is invalid.</exception>
    public ImageBatchLoader(ImageDataset dataset, ImagePreprocessing preprocessing, BatchLoaderOptions? options = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        options ??= new BatchLoaderOptions();
        if (options.BatchSize < 1) throw new ArgumentException($"BatchLoaderOptions.BatchSize must be at least 1 (got {options.BatchSize}).", nameof(options));
        if (options.WorkerCount < 1) throw new ArgumentException($"BatchLoaderOptions.WorkerCount must be at least 1 (got {options.WorkerCount}).", nameof(options));
        if (options.MaxImagePixels < 1) throw new ArgumentException($"BatchLoaderOptions.MaxImagePixels must be at least 1 (got {options.MaxImagePixels}; default {ImageDecoder.DefaultMaxPixels}).", nameof(options));
        if (options.AugmentationIdentities is { } ids && ids.Count != dataset.Count)
            throw new ArgumentException($"BatchLoaderOptions.AugmentationIdentities has {ids.Count} entries for {dataset.Count} images.", nameof(options));
        if (options.PrefetchBatches < 0) throw new ArgumentException($"BatchLoaderOptions.PrefetchBatches must not be negative (got {options.PrefetchBatches}).", nameof(options));
        _dataset = dataset;
        Preprocessing = preprocessing;
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        // Without augmentation every epoch produces the same floats: when all of them fit the budget, keep those
        // (a copy per image and epoch) rather than decoded images (a resampling per image and epoch). Decoded
        // images are usually smaller, so a budget too small for every input keeps more images decoded.
        bool augments = options.Augmentation is { IsEmpty: false };
        bool preparedFits = (long)dataset.Count * preprocessing.ValuesPerImage * sizeof(float) <= options.DecodedCacheBytes;
        bool keepPrepared = options.DecodedCacheBytes > 0 && !augments && preparedFits;
        _cache = options.DecodedCacheBytes > 0 && !keepPrepared ? new ImageCache<DecodedImage>(options.DecodedCacheBytes) : null;
        _prepared = keepPrepared ? new ImageCache<float[]>(options.DecodedCacheBytes) : null;
        _workers = Enumerable.Range(0, options.WorkerCount).Select(_ => new WorkerState(preprocessing, options.MaxImagePixels)).ToArray();
    }

    /// <summary>The preprocessing applied.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>The options in force.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Batches per epoch (a batch may come out shorter when images are skipped).</summary>
    public int Count => Options.DropLast ? _dataset.Count / Options.BatchSize : (_dataset.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Images left out so far because they could not be read (with <see cref="BatchLoaderOptions.SkipUnreadableImages"/>).</summary>
    public IReadOnlyList<SkippedFile> SkippedImages => _unreadable.OrderBy(p => p.Key).Select(p => p.Value).ToArray();

    /// <summary>Raised (on a worker thread) the first time an unreadable image is skipped.</summary>
    public event EventHandler<SkippedFile>? ImageSkipped;

    /// <summary>
    /// Bytes held by the cache (0 without one): decoded images when the loader augments, finished input floats
    /// when it does not (then a cached image costs a copy per epoch, not a resampling).
    /// </summary>
    public long CachedBytes => (_cache?.Bytes ?? 0) + (_prepared?.Bytes ?? 0);

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the dataset (shuffled with the seed when <see cref="BatchLoaderOptions.Shuffle"/>).</summary>
    public int[] EpochOrder(int epoch)
    {
        int[] order = Enumerable.Range(0, _dataset.Count).ToArray();
        if (!Options.Shuffle) return order;
        // own generator rather than System.Random so the order is the same on every .NET version
        var random = new AugmentationRandom(Options.Seed, epoch, -1);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)(random.NextUInt64() % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// The batches of one epoch, prepared in the background. Each batch's pixel buffer is reused once the next
    /// batch is requested. Stop early by disposing the enumerator (e.g. <c>break</c>); workers stop with it.
    /// </summary>
    /// <param name="epoch">The epoch number: with the seed it fixes the order and the augmentation.</param>
    /// <param name="cancellationToken">Stops the epoch.</param>
    /// <remarks>With <see cref="BatchLoaderOptions.SkipUnreadableImages"/>, a batch whose images were all skipped is not yielded.</remarks>
    /// <exception cref="ImageDataException">An image cannot be read and skipping is off.</exception>
    /// <exception cref="InvalidOperationException">Another epoch of this loader is being read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IEnumerable<ImageBatch> ReadEpoch(int epoch, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ReadEpochCore(epoch, cancellationToken);
    }

    private IEnumerable<ImageBatch> ReadEpochCore(int epoch, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
            throw new InvalidOperationException("Another epoch of this ImageBatchLoader is still being read; finish or dispose it first.");
        int valuesPerImage = Preprocessing.ValuesPerImage;
        _buffers ??= Enumerable.Range(0, Options.PrefetchBatches + 2)
            .Select(_ => GC.AllocateUninitializedArray<float>(Options.BatchSize * valuesPerImage)).ToArray();

        int[] order = EpochOrder(epoch);
        var works = new BatchWork[Count];
        for (int b = 0; b < works.Length; b++)
            works[b] = new BatchWork(order.AsSpan(b * Options.BatchSize, Math.Min(Options.BatchSize, order.Length - b * Options.BatchSize)).ToArray());

        var free = Channel.CreateUnbounded<float[]>();
        foreach (float[] buffer in _buffers) free.Writer.TryWrite(buffer);
        var jobs = Channel.CreateUnbounded<SampleJob>(new UnboundedChannelOptions { SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task scheduler = Task.Run(() => ScheduleAsync(works, free, jobs, stop.Token), CancellationToken.None);
        // dedicated threads: the decoding parallelism must not depend on how busy the thread pool is
        Task[] workers = _workers.Select(w => Task.Factory.StartNew(() => Work(w, jobs.Reader, epoch, stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            BatchWork? previous = null;
            for (int b = 0; b < works.Length; b++)
            {
                BatchWork work = works[b];
                try { work.Done.Task.Wait(stop.Token); }
                catch (AggregateException e) when (e.InnerException is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                }
                ImageBatch batch = Assemble(work, b, valuesPerImage);
                if (batch.Count == 0)
                {
                    // every image of the batch was skipped as unreadable: nothing to yield, its buffer is free again
                    free.Writer.TryWrite(work.Buffer!);
                    continue;
                }
                if (previous is not null) free.Writer.TryWrite(previous.Buffer!);
                previous = work;
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            try { Task.WaitAll([scheduler, .. workers]); }
            catch (AggregateException) { /* cancellation of the background tasks, already reported through the batches */ }
            Volatile.Write(ref _reading, 0);
        }
    }

    private static async Task ScheduleAsync(BatchWork[] works, Channel<float[]> free, Channel<SampleJob> jobs, CancellationToken token)
    {
        try
        {
            foreach (BatchWork work in works)
            {
                work.Buffer = await free.Reader.ReadAsync(token).ConfigureAwait(false);
                for (int position = 0; position < work.Indices.Length; position++)
                    jobs.Writer.TryWrite(new SampleJob(work, position));
            }
        }
        finally { jobs.Writer.TryComplete(); }
    }

    private void Work(WorkerState state, ChannelReader<SampleJob> jobs, int epoch, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            if (jobs.TryRead(out SampleJob job))
            {
                Process(state, job, epoch);
                continue;
            }
            ValueTask<bool> more = jobs.WaitToReadAsync(token);
            if (!(more.IsCompleted ? more.Result : more.AsTask().GetAwaiter().GetResult())) return;
        }
    }

    private void Process(WorkerState state, SampleJob job, int epoch)
    {
        BatchWork work = job.Work;
        int index = work.Indices[job.Position];
        try
        {
            if (_unreadable.ContainsKey(index)) work.Skipped[job.Position] = true;
            else
            {
                try
                {
                    int offset = job.Position * Preprocessing.ValuesPerImage;
                    Span<float> slice = work.Buffer.AsSpan(offset, Preprocessing.ValuesPerImage);
                    ImageCache<float[]>? prepared = _prepared;
                    if (prepared is not null && prepared.TryGet(index, out float[]? finished)) finished.CopyTo(slice);
                    else
                    {
                        ImageCache<DecodedImage>? cache = _cache;
                        if (cache is null || !cache.TryGet(index, out DecodedImage? image))
                        {
                            state.Decoder.Decode(_dataset.Samples[index].Source, state.Image, Options.DecodeAtReducedScale ? Preprocessing : null);
                            image = state.Image;
                            cache?.TryAdd(index, image.Length, image, static decoded => decoded.Clone());
                        }
                        state.Tensorizer.Write(image, slice, Options.Augmentation, Options.AugmentationIdentities is { } identities
                            ? new AugmentationRandom(Options.Seed, epoch, identities[index])
                            : new AugmentationRandom(Options.Seed, epoch, index));
                        prepared?.TryAdd(index, (long)slice.Length * sizeof(float), (work.Buffer, offset, slice.Length),
                            static s => s.Buffer.AsSpan(s.offset, s.Length).ToArray());
                    }
                }
                catch (ImageDataException e) when (Options.SkipUnreadableImages)
                {
                    work.Skipped[job.Position] = true;
                    var skipped = new SkippedFile(_dataset.Samples[index].Source.DisplayName, e.Message);
                    if (_unreadable.TryAdd(index, skipped))
                    {
                        _logger.LogWarning("Skipping unreadable image {Image}: {Reason}", skipped.Path, e.Message);
                        ImageSkipped?.Invoke(this, skipped);
                    }
                }
            }
            if (Interlocked.Decrement(ref work.Remaining) == 0) work.Done.TrySetResult();
        }
        catch (Exception e)
        {
            work.Done.TrySetException(e);
        }
    }

    private ImageBatch Assemble(BatchWork work, int batchIndex, int valuesPerImage)
    {
        float[] buffer = work.Buffer!;
        var labels = new List<int>(work.Indices.Length);
        var indices = new List<int>(work.Indices.Length);
        for (int position = 0; position < work.Indices.Length; position++)
        {
            if (work.Skipped[position]) continue;
            // close the gap a skipped image left, so the batch stays contiguous
            if (indices.Count != position)
                buffer.AsSpan(position * valuesPerImage, valuesPerImage).CopyTo(buffer.AsSpan(indices.Count * valuesPerImage));
            indices.Add(work.Indices[position]);
            labels.Add(_dataset.Samples[work.Indices[position]].Label);
        }
        return new ImageBatch(buffer, indices.Count, Preprocessing.Channels, Preprocessing.Height, Preprocessing.Width,
            labels.ToArray(), indices.ToArray(), batchIndex);
    }

    /// <summary>Releases the batch buffers and the cache.</summary>
    public void Dispose()
    {
        _disposed = true;
        _buffers = null;
        _cache = null;
        _prepared = null;
    }

    private sealed class BatchWork(int[] indices)
    {
        public readonly int[] Indices = indices;
        public readonly bool[] Skipped = new bool[indices.Length];
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public float[]? Buffer;
        public int Remaining = indices.Length;
    }

    private readonly record struct SampleJob(BatchWork Work, int Position);

    private sealed class WorkerState(ImagePreprocessing preprocessing, long maxPixels)
    {
        public readonly ImageDecoder Decoder = new(maxPixels);
        public readonly DecodedImage Image = new();
        public readonly Tensorizer Tensorizer = new(preprocessing);
    }
}
