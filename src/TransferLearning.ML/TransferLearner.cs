using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;
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

    /// <summary>
    /// Stratified split of <see cref="WithImages"/>' images (group-aware when samples carry a group). An argument
    /// left out keeps its current value; the defaults are validation 0.15, test 0.15, seed 42.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is negative or they leave no training images.</exception>
    public TransferLearner Split(double? validation = null, double? test = null, int? seed = null)
    {
        double v = validation ?? _settings.ValidationFraction, t = test ?? _settings.TestFraction;
        if (v < 0 || t < 0 || v + t >= 1 || double.IsNaN(v + t))
            throw new ArgumentOutOfRangeException(validation is null ? nameof(test) : nameof(validation),
                $"Split fractions must be ≥ 0 and leave images to train on (validation {v} + test {t} < 1), e.g. Split(0.15, 0.15).");
        return new(_settings with { ValidationFraction = v, TestFraction = t, SplitSeed = seed ?? _settings.SplitSeed });
    }

    /// <summary>Augmentation of training images (never of validation or test). Default: <see cref="Augmentations.Standard"/>.</summary>
    public TransferLearner Augment(AugmentationPipeline augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        return new(_settings with { Augmentation = augmentation });
    }

    /// <summary>Trains with <paramref name="recipe"/>: feature extraction, fine-tuning or from scratch, with its options.</summary>
    /// <exception cref="ArgumentException">An option of the recipe is out of range; the message names it and says what to change.</exception>
    public TransferLearner WithRecipe(TrainingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        recipe.Validate();
        return new(_settings with { Recipe = recipe, Auto = null });
    }

    /// <summary>
    /// Lets the validation split choose the recipe: each candidate of <paramref name="options"/> (default: feature
    /// extraction, fine-tuning of the last 2 and of the last 5 blocks, and from scratch on large sets) is trained
    /// briefly and scored on validation, and the one with the lowest validation log-loss is trained in full. On small
    /// data (under <see cref="AutoOptions.SmallDataImages"/> training + validation images) each trial is scored by
    /// k-fold cross-validation over those images instead (<see cref="AutoOptions.TrialFolds"/>, by patient where the
    /// images carry groups). <see cref="TrainingResult.Auto"/> lists the trials and the reason. Needs a validation
    /// split; the test split is not looked at until the chosen recipe's final evaluation.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public TransferLearner Auto(AutoOptions? options = null)
    {
        options ??= new AutoOptions();
        options.Validate();
        return new(_settings with { Auto = options });
    }

    /// <summary>Feature extraction: frozen backbone, cached features, new head (see <see cref="FeatureExtractionOptions"/>).</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    public TransferLearner ExtractFeatures(FeatureExtractionOptions? options = null) => WithRecipe(options ?? new FeatureExtractionOptions());

    /// <summary>
    /// Fine-tuning with the default recipe (<see cref="FineTuneOptions"/>), changing only the unfrozen block count
    /// and the epochs of the fine-tuning phase; an argument left out keeps the recipe's default.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    public TransferLearner FineTune(int? unfreezeLastBlocks = null, int? epochs = null)
    {
        var defaults = new FineTuneOptions();
        return FineTune(defaults with
        {
            UnfreezeLastBlocks = unfreezeLastBlocks ?? defaults.UnfreezeLastBlocks, Epochs = epochs ?? defaults.Epochs,
        });
    }

    /// <summary>Fine-tuning: head first with the body frozen, then the last blocks at lower, per-block rates.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    public TransferLearner FineTune(FineTuneOptions options) => WithRecipe(options);

    /// <summary>The same architecture from random weights, all layers trained (<see cref="ScratchOptions"/>); <paramref name="epochs"/> left out keeps the default.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    public TransferLearner TrainFromScratch(int? epochs = null)
    {
        var defaults = new ScratchOptions();
        return TrainFromScratch(defaults with { Epochs = epochs ?? defaults.Epochs });
    }

    /// <summary>The same architecture from random weights, all layers trained.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    public TransferLearner TrainFromScratch(ScratchOptions options) => WithRecipe(options);

    /// <summary>The classifier head, overriding the chosen recipe's default head.</summary>
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
    /// How the run reads images: loader workers, the in-memory image cache, whether unreadable images are skipped,
    /// the pixel budget (see <see cref="ImageLoadingOptions"/> for each default). The object replaces the previous
    /// one as a whole: set every option you want in one object.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public TransferLearner WithLoader(ImageLoadingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new(_settings with { Loading = options });
    }

    /// <summary>
    /// Test-time augmentation in the final evaluation: every validation and test image is scored as the mean
    /// probabilities of the plain image and <paramref name="views"/> seeded augmented views, and a two-class threshold
    /// is chosen on those averaged validation scores. Training is unchanged. To reproduce the scores when predicting,
    /// pass the same views to <see cref="Models.TransferModel.Predict(string, Models.PredictionOptions)"/> or
    /// <see cref="Evaluation.EvaluationOptions.TtaViews"/>; the run's configuration records them (<c>tta</c>).
    /// </summary>
    /// <param name="views">Augmented views per image, at least 1 (0 turns it off).</param>
    /// <param name="augmentation">The views' augmentation; default <see cref="Augmentations.Light"/> (no flips: safe for chest X-rays).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="views"/> is negative.</exception>
    public TransferLearner WithTestTimeAugmentation(int views, AugmentationPipeline? augmentation = null) => views >= 0
        ? new(_settings with { TestTimeAugmentation = views == 0 ? null : new TestTimeAugmentation(views, augmentation) })
        : throw new ArgumentOutOfRangeException(nameof(views), views, "Use 0 (no test-time augmentation) or more views, e.g. 4.");

    /// <summary>Bootstrap resamples for the 95 % confidence intervals of the final metrics. Default: 1000; 0 turns them off.</summary>
    public TransferLearner WithBootstrap(int samples) => samples >= 0
        ? new(_settings with { BootstrapSamples = samples })
        : throw new ArgumentOutOfRangeException(nameof(samples), samples, "Use 0 (no intervals) or more resamples.");

    /// <summary>Every setting of a learner; each default is written here once.</summary>
    internal sealed record LearnerSettings
    {
        public required Backbone Backbone { get; init; }
        public ImageDataset? Images { get; init; }
        public DatasetSplit? Splits { get; init; }
        public double ValidationFraction { get; init; } = 0.15;
        public double TestFraction { get; init; } = 0.15;
        public int SplitSeed { get; init; } = 42;
        public AugmentationPipeline Augmentation { get; init; } = Augmentations.Standard;
        public TrainingRecipe Recipe { get; init; } = new FineTuneOptions();
        public AutoOptions? Auto { get; init; }
        public HeadOptions? Head { get; init; }
        public ImagePreprocessing? Preprocessing { get; init; }
        public int Seed { get; init; } = 42;
        public int Threads { get; init; } = Environment.ProcessorCount;
        public string? CheckpointDirectory { get; init; }
        public ILogger Logger { get; init; } = NullLogger.Instance;
        public ThresholdPolicy Threshold { get; init; } = ThresholdPolicy.Default;
        public ImageLoadingOptions Loading { get; init; } = new();
        public int BootstrapSamples { get; init; } = 1000;
        public TestTimeAugmentation? TestTimeAugmentation { get; init; }
    }
}
