namespace TransferLearning.ML.WebDemo;

/// <summary>The answer of <c>POST /predict</c> for a readable image.</summary>
/// <param name="FileName">The uploaded file's name.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="LabelIndex">Its index in the model's class names.</param>
/// <param name="Confidence">The predicted class's probability.</param>
/// <param name="Probabilities">Every class's probability, in label order.</param>
/// <param name="DecisionThreshold">The two-class threshold the label was decided with; null for argmax.</param>
/// <param name="GradCam">The Grad-CAM overlay, or null when it is not available (see <see cref="ExplanationService"/>).</param>
public sealed record PredictionResponse(string FileName, string Label, int LabelIndex, float Confidence,
    IReadOnlyList<ClassProbability> Probabilities, double? DecisionThreshold, GradCamOverlay? GradCam);
