using Microsoft.Extensions.Logging;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Training;

/// <summary>Everything a mode's run reads: resolved settings, splits and class weights.</summary>
internal sealed record RunContext(
    Backbone Backbone,
    DatasetSplit Splits,
    ImagePreprocessing Preprocessing,
    AugmentationPipeline Augmentation,
    float[]? ClassWeights,
    int Seed,
    int Threads,
    ImageLoadingOptions Loading,
    string? CheckpointDirectory,
    string Fingerprint,
    ILogger Logger)
{
    public IReadOnlyList<string> ClassNames => Splits.Train.ClassNames;

    public int LoaderWorkers => Loading.WorkerCount;

    public long DecodedCacheBytes => Loading.CacheBytes;

    public bool SkipUnreadableImages => Loading.SkipUnreadableImages;

    public long MaxImagePixels => Loading.MaxImagePixels;

    /// <summary>Images every loader of this run left out (with <see cref="SkipUnreadableImages"/>).</summary>
    public SkippedFileLog Skipped { get; } = new();

    /// <summary>The loader settings every loader of the run shares (skip, pixel budget, workers, cache).</summary>
    public BatchLoaderOptions LoaderOptions(int batchSize) => new()
    {
        BatchSize = batchSize, Seed = Seed, WorkerCount = LoaderWorkers, DecodedCacheBytes = DecodedCacheBytes,
        SkipUnreadableImages = SkipUnreadableImages, MaxImagePixels = MaxImagePixels,
    };

    public ImageBatchLoader TrainLoader(int batchSize) => Skipped.Watch(new(Splits.Train, Preprocessing,
        LoaderOptions(batchSize) with { Shuffle = true, Augmentation = Augmentation.IsEmpty ? null : Augmentation }, Logger));

    public ImageBatchLoader? ValidationLoader(int batchSize) => Splits.Validation.Count == 0 ? null
        : Skipped.Watch(new(Splits.Validation, Preprocessing, LoaderOptions(batchSize), Logger));
}
