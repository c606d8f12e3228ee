using TransferLearning.ML.Backbones;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.MLNet;

/// <summary>Options of <see cref="TransferLearningCatalog.TransferLearning"/>, the ML.NET multiclass trainer.</summary>
public sealed record TransferLearningTrainerOptions
{
    /// <summary>The pretrained backbone. Default <c>null</c>: <see cref="BackbonePath"/> is loaded instead (one of the two is required).</summary>
    public Backbone? Backbone { get; init; }

    /// <summary>Path of an ONNX backbone, used when <see cref="Backbone"/> is null. Default <c>null</c>.</summary>
    public string? BackbonePath { get; init; }

    /// <summary>
    /// The image column: a file path (text; absolute, or relative to the current folder) or the encoded image bytes
    /// (a vector of bytes, e.g. a <c>byte[]</c> property). Default <c>"ImagePath"</c>.
    /// </summary>
    public string ImageColumnName { get; init; } = "ImagePath";

    /// <summary>
    /// The label column: a key (from <c>MapValueToKey</c>, as ML.NET trainers expect; the score vector then follows
    /// the key order) or text (classes in ordinal order). Default <c>"Label"</c>.
    /// </summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>Name of the score column added (class probabilities, a float vector in key order). Default <c>"Score"</c>.</summary>
    public string ScoreColumnName { get; init; } = "Score";

    /// <summary>Name of the predicted-label column added (a key over the class names). Default <c>"PredictedLabel"</c>.</summary>
    public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

    /// <summary>Feature extraction (frozen backbone, default) or fine-tuning. Default <see cref="TrainingMode.FeatureExtraction"/>.</summary>
    public TrainingMode Mode { get; init; } = TrainingMode.FeatureExtraction;

    /// <summary>Epochs of the <see cref="Mode"/>'s default recipe, used when <see cref="Recipe"/> is not given (feature
    /// extraction: only by the neural head; the default logistic-regression head has no epochs). Default 20.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>
    /// The whole training recipe (<see cref="FeatureExtractionOptions"/>, <see cref="FineTuneOptions"/> or
    /// <see cref="ScratchOptions"/>); overrides <see cref="Mode"/> and <see cref="Epochs"/>. Default <c>null</c>.
    /// </summary>
    public TrainingRecipe? Recipe { get; init; }

    /// <summary>Fraction of the training rows held out to select the best epoch. Default 0.15.</summary>
    public double ValidationFraction { get; init; } = 0.15;

    /// <summary>Seed of the split, weights and shuffling. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Receives training progress. Default <c>null</c>.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Cancels training. Default none.</summary>
    public CancellationToken CancellationToken { get; init; }
}
