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

/// <summary>One class's probability.</summary>
/// <param name="ClassName">The class.</param>
/// <param name="Probability">Its softmax probability, 0 to 1.</param>
public sealed record ClassProbability(string ClassName, float Probability);

/// <summary>Where in the image the network looked for the predicted class.</summary>
/// <param name="ImageDataUrl">The overlay (heatmap blended over the image) as a <c>data:image/png;base64,</c> URL.</param>
/// <param name="TargetClass">The class the heatmap explains.</param>
/// <param name="Layer">The convolutional layer the activations were taken from, when known.</param>
public sealed record GradCamOverlay(string ImageDataUrl, string TargetClass, string? Layer);

/// <summary>The answer of <c>POST /predict</c> for a refused upload (HTTP 400 or 413).</summary>
/// <param name="Error">What is wrong and what to do, in one sentence for the page.</param>
public sealed record UploadError(string Error);
