namespace TransferLearning.ML.Reporting;

/// <summary>An image the model got wrong, shown in the report's grid of confident mistakes.</summary>
/// <param name="ImagePng">The image as PNG bytes (shown as is; a thumbnail of ~128–224 px keeps the report small).</param>
/// <param name="TrueLabel">The true class name.</param>
/// <param name="PredictedLabel">The predicted class name.</param>
/// <param name="Confidence">Probability the model gave the predicted class, in [0, 1].</param>
/// <param name="GradCamPng">Optional Grad-CAM overlay of the same image as PNG bytes, shown beside it.</param>
/// <param name="Source">Optional identifier such as the file name, shown in the caption.</param>
public sealed record MisclassifiedExample(
    byte[] ImagePng,
    string TrueLabel,
    string PredictedLabel,
    double Confidence,
    byte[]? GradCamPng = null,
    string? Source = null);
