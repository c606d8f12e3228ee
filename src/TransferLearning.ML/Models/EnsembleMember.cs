using TransferLearning.ML.Data;

namespace TransferLearning.ML.Models;

/// <summary>One member of an ensemble built by <see cref="TransferModel.Ensemble"/>, as its model file records it.</summary>
/// <param name="BackboneName">The member's backbone.</param>
/// <param name="BackboneSha256">SHA-256 of the member's original backbone ONNX file.</param>
/// <param name="Mode">How the member was trained.</param>
/// <param name="Weight">Its weight in the average (the weights of an ensemble sum to 1).</param>
/// <param name="Preprocessing">The member's own preprocessing (its normalisation and channel order run inside the
/// ensemble's graph).</param>
/// <param name="DecisionThreshold">The member's own two-class threshold (not used by the ensemble); null for argmax.</param>
/// <param name="ValidationScores">The member's validation metrics recorded when it was trained, or null.</param>
public sealed record EnsembleMember(
    string BackboneName,
    string BackboneSha256,
    TrainingMode Mode,
    double Weight,
    ImagePreprocessing Preprocessing,
    double? DecisionThreshold,
    SplitScores? ValidationScores);
