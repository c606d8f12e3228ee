using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML;

/// <summary>
/// The entry point: from a backbone and labelled images to a trained, validated classifier in a few lines.
/// Each method returns a new, immutable learner, so a configured learner can be reused as a template.
/// </summary>
/// <example>
/// <code>
/// var result = TransferLearner
///     .For(Backbone.FromOnnx("mobilenetv2-imagenet.onnx"))
///     .WithImages(ImageDataset.FromFolder("data/kidney"))
///     .Split(validation: 0.15, test: 0.15, seed: 42)
///     .Augment(Augmentations.Standard)
///     .FineTune(unfreezeLastBlocks: 2, epochs: 10)        // or .ExtractFeatures(), .TrainFromScratch()
///     .Fit(progress, cancellationToken);
/// result.Metrics; result.History; result.Model.Save("kidney.tlmodel");
/// </code>
/// </example>
public sealed partial class TransferLearner
{
    private readonly LearnerSettings _settings;

    private TransferLearner(LearnerSettings settings) => _settings = settings;

    /// <summary>Starts a learner on <paramref name="backbone"/>. Default recipe: fine-tuning (see <see cref="FineTuneOptions"/>),
    /// <see cref="Augmentations.Standard"/>, 70/15/15 stratified split with seed 42.</summary>
    public static TransferLearner For(Backbone backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return new TransferLearner(new LearnerSettings { Backbone = backbone });
    }

    /// <summary>The labelled images, split by <see cref="Split"/> (default 70/15/15).</summary>
    public TransferLearner WithImages(ImageDataset images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return new(_settings with { Images = images, Splits = null });
    }

    /// <summary>Splits made by the caller (e.g. official train/validation/test folders). Validation and test may be null.</summary>
    public TransferLearner WithSplits(ImageDataset train, ImageDataset? validation = null, ImageDataset? test = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var empty = train.Subset([]);
        return new(_settings with { Images = null, Splits = new DatasetSplit(train, validation ?? empty, test ?? empty) });
    }

    /// <summary>Stratified split of <see cref="WithImages"/>' images (group-aware when samples carry a group).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is negative or they leave no training images.</exception>
    public TransferLearner Split(double validation = 0.15, double test = 0.15, int seed = 42)
    {
        if (validation < 0 || test < 0 || validation + test >= 1 || double.IsNaN(validation + test))
            throw new ArgumentOutOfRangeException(nameof(validation),
                $"Split fractions must be ≥ 0 and leave images to train on (validation {validation} + test {test} < 1), e.g. Split(0.15, 0.15).");
        return new(_settings with { ValidationFraction = validation, TestFraction = test, SplitSeed = seed });
    }

    /// <summary>Augmentation of training images (never of validation or test). Default: <see cref="Augmentations.Standard"/>.</summary>
    public TransferLearner Augment(AugmentationPipeline augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        return new(_settings with { Augmentation = augmentation });
    }

    /// <summary>Feature extraction: frozen backbone, cached features, new head.</summary>
    public TransferLearner ExtractFeatures(FeatureExtractionOptions? options = null) =>
        new(_settings with { Mode = TrainingMode.FeatureExtraction, Features = options ?? new FeatureExtractionOptions() });

    /// <summary>Fine-tuning with the default recipe, changing only the unfrozen block count and epochs.</summary>
    public TransferLearner FineTune(int unfreezeLastBlocks = 5, int epochs = 10) =>
        FineTune(new FineTuneOptions { UnfreezeLastBlocks = unfreezeLastBlocks, Epochs = epochs });

    /// <summary>Fine-tuning: head first with the body frozen, then the last blocks at lower, per-block rates.</summary>
    public TransferLearner FineTune(FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(_settings with { Mode = TrainingMode.FineTune, FineTuneOptions = options });
    }

    /// <summary>The same architecture from random weights, all layers trained.</summary>
    public TransferLearner TrainFromScratch(int epochs = 20) => TrainFromScratch(new ScratchOptions { Epochs = epochs });

    /// <summary>The same architecture from random weights, all layers trained.</summary>
    public TransferLearner TrainFromScratch(ScratchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(_settings with { Mode = TrainingMode.FromScratch, ScratchOptions = options });
    }

    /// <summary>The classifier head, overriding the chosen mode's default head.</summary>
    public TransferLearner WithHead(HeadOptions head)
    {
        ArgumentNullException.ThrowIfNull(head);
        head.Validate();
        return new(_settings with { Head = head });
    }

    /// <summary>How images are preprocessed. Default: what the backbone expects (<see cref="Backbone.Preprocessing"/>).</summary>
    public TransferLearner WithPreprocessing(ImagePreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        return new(_settings with { Preprocessing = preprocessing });
    }

    /// <summary>Seed of weights, shuffling, augmentation and dropout. Default: 42.</summary>
    public TransferLearner WithSeed(int seed) => new(_settings with { Seed = seed });

    /// <summary>Threads for libtorch and ONNX Runtime. Default: all cores.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1.</exception>
    public TransferLearner WithThreads(int threads) => threads >= 1
        ? new(_settings with { Threads = threads })
        : throw new ArgumentOutOfRangeException(nameof(threads), threads, "Use at least one thread.");

    /// <summary>
    /// Writes a checkpoint to <paramref name="directory"/> after every epoch; a later <see cref="Fit"/> with the same
    /// settings resumes from it. Default: no checkpoints.
    /// </summary>
    public TransferLearner WithCheckpoints(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return new(_settings with { CheckpointDirectory = directory });
    }

    /// <summary>Where progress and decisions are logged. Default: nowhere.</summary>
    public TransferLearner WithLogger(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return new(_settings with { Logger = logger });
    }

    /// <summary>How the decision threshold of a two-class model is chosen. Default: 0.5.</summary>
    public TransferLearner WithThreshold(ThresholdPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new(_settings with { Threshold = policy });
    }

    /// <summary>
    /// Loader settings: worker threads (default: cores), the in-memory image cache of each loader in bytes, and
    /// whether unreadable images are skipped and reported (default false: they stop the run with a clear error).
    /// </summary>
    /// <param name="workers">Decoding threads per loader; default: the number of cores.</param>
    /// <param name="decodedCacheBytes">
    /// Cap of each loader's cache (see <see cref="BatchLoaderOptions.DecodedCacheBytes"/>): from the second epoch
    /// on, cached images are not decoded again. Default <c>null</c>: <see cref="DefaultCacheBytes"/>; 0 turns the
    /// cache off.
    /// </param>
    /// <param name="skipUnreadableImages">
    /// Leave unreadable images out instead of stopping: every loader of the run (feature extraction, training,
    /// validation, the final validation and test evaluation) skips them, each is logged once as a warning, and all
    /// are listed in <see cref="TrainingResult.SkippedFiles"/> and the report.
    /// </param>
    /// <param name="maxImagePixels">
    /// The pixel budget of one image (see <see cref="BatchLoaderOptions.MaxImagePixels"/>), also given to the
    /// trained model's <see cref="Models.TransferModel.MaxImagePixels"/>. Default <c>null</c>:
    /// <see cref="ImageDecoder.DefaultMaxPixels"/> (64 megapixels).
    /// </param>
    public TransferLearner WithLoader(int? workers = null, long? decodedCacheBytes = null, bool skipUnreadableImages = false,
        long? maxImagePixels = null)
    {
        if (workers is < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "Use at least one loader worker.");
        if (decodedCacheBytes < 0) throw new ArgumentOutOfRangeException(nameof(decodedCacheBytes), decodedCacheBytes, "The cache size cannot be negative.");
        if (maxImagePixels is < 1) throw new ArgumentOutOfRangeException(nameof(maxImagePixels), maxImagePixels, "maxImagePixels must be at least 1 (default 64 000 000).");
        return new(_settings with
        {
            LoaderWorkers = workers, DecodedCacheBytes = decodedCacheBytes ?? DefaultCacheBytes, SkipUnreadableImages = skipUnreadableImages,
            MaxImagePixels = maxImagePixels ?? ImageDecoder.DefaultMaxPixels,
        });
    }

    /// <summary>
    /// The default cap of each loader's image cache: 1 GiB, or a sixteenth of the memory available to the process
    /// when that is less.
    /// </summary>
    public static long DefaultCacheBytes => Math.Min(1L << 30, Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 16));

    /// <summary>Bootstrap resamples for the 95 % confidence intervals of the final metrics. Default: 1000; 0 turns them off.</summary>
    public TransferLearner WithBootstrap(int samples) => samples >= 0
        ? new(_settings with { BootstrapSamples = samples })
        : throw new ArgumentOutOfRangeException(nameof(samples), samples, "Use 0 (no intervals) or more resamples.");

    internal sealed record LearnerSettings
    {
        public required Backbone Backbone { get; init; }
        public ImageDataset? Images { get; init; }
        public DatasetSplit? Splits { get; init; }
        public double ValidationFraction { get; init; } = 0.15;
        public double TestFraction { get; init; } = 0.15;
        public int SplitSeed { get; init; } = 42;
        public AugmentationPipeline Augmentation { get; init; } = Augmentations.Standard;
        public TrainingMode Mode { get; init; } = TrainingMode.FineTune;
        public FineTuneOptions FineTuneOptions { get; init; } = new();
        public ScratchOptions ScratchOptions { get; init; } = new();
        public FeatureExtractionOptions Features { get; init; } = new();
        public HeadOptions? Head { get; init; }
        public ImagePreprocessing? Preprocessing { get; init; }
        public int Seed { get; init; } = 42;
        public int Threads { get; init; } = Environment.ProcessorCount;
        public string? CheckpointDirectory { get; init; }
        public ILogger Logger { get; init; } = NullLogger.Instance;
        public ThresholdPolicy Threshold { get; init; } = ThresholdPolicy.Default;
        public int? LoaderWorkers { get; init; }
        public long DecodedCacheBytes { get; init; } = DefaultCacheBytes;
        public bool SkipUnreadableImages { get; init; }
        public long MaxImagePixels { get; init; } = ImageDecoder.DefaultMaxPixels;
        public int BootstrapSamples { get; init; } = 1000;
    }
}
