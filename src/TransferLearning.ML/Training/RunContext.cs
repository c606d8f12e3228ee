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
    int LoaderWorkers,
    long DecodedCacheBytes,
    bool SkipUnreadableImages,
    string? CheckpointDirectory,
    string Fingerprint,
    ILogger Logger)
{
    public IReadOnlyList<string> ClassNames => Splits.Train.ClassNames;

    public ImageBatchLoader TrainLoader(int batchSize) => new(Splits.Train, Preprocessing, new BatchLoaderOptions
    {
        BatchSize = batchSize, Shuffle = true, Seed = Seed, Augmentation = Augmentation.IsEmpty ? null : Augmentation,
        WorkerCount = LoaderWorkers, DecodedCacheBytes = DecodedCacheBytes, SkipUnreadableImages = SkipUnreadableImages,
    });

    public ImageBatchLoader? ValidationLoader(int batchSize) => Splits.Validation.Count == 0 ? null : new(Splits.Validation, Preprocessing,
        new BatchLoaderOptions
        {
            BatchSize = batchSize, Seed = Seed, WorkerCount = LoaderWorkers, DecodedCacheBytes = DecodedCacheBytes,
            SkipUnreadableImages = SkipUnreadableImages,
        });
}
