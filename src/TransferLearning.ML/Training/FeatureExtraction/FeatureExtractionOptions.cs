using TransferLearning.ML.Models;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// Feature extraction: the backbone stays frozen and runs once per image in ONNX Runtime; its pooled features are
/// cached on disk and a small head (softmax regression by default) is fitted on them, by ML.NET's L-BFGS logistic
/// regression (<see cref="FeatureHeadKind.LogisticRegression"/>, the default) or by AdamW epochs
/// (<see cref="FeatureHeadKind.Neural"/>), see <see cref="HeadKind"/>.
/// </summary>
public sealed record FeatureExtractionOptions : TrainingRecipe
{
    /// <inheritdoc />
    public override TrainingMode Mode => TrainingMode.FeatureExtraction;

    /// <summary>Epochs of the neural head's training on the cached features. Default: 60 (cheap: features are cached).</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Peak learning rate (AdamW, one-cycle). Default: 3e-3.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Batch size of head training. Default: 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>L2 weight decay of the head (decoupled). Default: 0.05.</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Class weights in the loss. Default: inverse frequency.</summary>
    public override ClassWeighting ClassWeighting { get; init; } = ClassWeighting.InverseFrequency;

    /// <summary>The head. Default: a linear (softmax-regression) head on globally pooled features.</summary>
    public override HeadOptions Head { get; init; } = HeadOptions.Linear;

    /// <summary>
    /// How the head is fitted: <see cref="FeatureHeadKind.Neural"/> (AdamW epochs on <see cref="Head"/>) or
    /// <see cref="FeatureHeadKind.LogisticRegression"/> (ML.NET <c>LbfgsMaximumEntropy</c>, L2 chosen on validation).
    /// Either way the exported model is the backbone followed by the head's Gemm layers and Softmax.
    /// Default: <see cref="FeatureHeadKind.LogisticRegression"/>: on the validation splits of the five sets in
    /// ../shared it matched or beat the neural head's accuracy on four (it lost on RetinaMNIST) and its balanced
    /// accuracy on all that were not tied, and its accuracy was never below scikit-learn's <c>LogisticRegression()</c>
    /// on the same features (the neural head kept the higher ROC-AUC on three sets) (bench section 7, docs/concepts.md). <see cref="Epochs"/>, <see cref="LearningRate"/>,
    /// <see cref="BatchSize"/>, <see cref="WeightDecay"/> and <see cref="EarlyStopping"/> apply to the neural head only.
    /// </summary>
    public FeatureHeadKind HeadKind { get; init; } = FeatureHeadKind.LogisticRegression;

    /// <summary>
    /// L2 weights tried by the <see cref="FeatureHeadKind.LogisticRegression"/> head (ML.NET's
    /// <c>L2Regularization</c>: the objective is Σ wᵢ·loss + ½·L2·‖W‖², so L2 = 1 without class weights is
    /// scikit-learn's <c>LogisticRegression()</c> default C = 1). Each is fitted on the training features; the one
    /// with the lowest validation log-loss is kept (ties: the larger L2), without a refit. Without validation
    /// images L2 = 1 is used. <see cref="TrainingResult.History"/> gets one row per candidate, in this order, and
    /// <see cref="TrainingResult.BestEpoch"/> is the position of the one kept. Default: eight log-spaced values
    /// 1e-4, 1e-3, …, 1000 (a grid ending at 10 had its edge chosen on RetinaMNIST and PneumoniaMNIST; docs/concepts.md).
    /// </summary>
    public IReadOnlyList<double> LogisticRegressionL2 { get; init; } = [1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000];

    /// <summary>
    /// Augmented views per training image, extracted once and cached (0: only the original image). With
    /// augmentation configured, each epoch draws one of the K views per image. Default: 0.
    /// </summary>
    public int AugmentedViews { get; init; }

    /// <summary>Feature cache folder. Default: <c>TL_FEATURE_CACHE</c>, else <c>~/.cache/transferlearning-ml/features</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Best-epoch selection on validation. Default: lowest validation loss.</summary>
    public EarlyStoppingOptions EarlyStopping { get; init; } = new();

    /// <summary>Images per ONNX Runtime call when extracting. Default: 32.</summary>
    public int ExtractionBatchSize { get; init; } = 32;

    internal override bool TrainsBackbone => false;

    internal override RunOutcome Run(RunContext context, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        FeatureExtractionRun.Execute(context, this, progress, cancellationToken);

    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    internal override void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"ExtractFeatures needs at least one epoch of head training (Epochs = {Epochs}).");
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive (was {LearningRate}).");
        if (BatchSize < 1 || ExtractionBatchSize < 1) throw new ArgumentException("BatchSize and ExtractionBatchSize must be ≥ 1.");
        if (WeightDecay < 0) throw new ArgumentException($"WeightDecay must be ≥ 0 (was {WeightDecay}).");
        if (AugmentedViews < 0) throw new ArgumentException($"AugmentedViews must be ≥ 0 (was {AugmentedViews}).");
        if (!Enum.IsDefined(HeadKind)) throw new ArgumentException($"HeadKind {HeadKind} is not a FeatureHeadKind.");
        if (LogisticRegressionL2 is null || LogisticRegressionL2.Count == 0 || LogisticRegressionL2.Any(l2 => !(l2 >= 0) || double.IsInfinity(l2)))
            throw new ArgumentException("LogisticRegressionL2 needs at least one finite L2 weight ≥ 0, e.g. [0.01, 0.1, 1].");
        ArgumentNullException.ThrowIfNull(Head, nameof(Head));
        Head.Validate();
        ArgumentNullException.ThrowIfNull(EarlyStopping, nameof(EarlyStopping));
        EarlyStopping.Validate();
    }
}
