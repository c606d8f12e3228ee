using TransferLearning.ML.Evaluation;

namespace TransferLearning.ML.Models;

/// <summary>A prediction with how it was made and, when asked for, where the model looked.</summary>
/// <param name="Prediction">The predicted class and the (view-averaged) probabilities.</param>
/// <param name="Views">How many inputs were averaged: 1 + the augmented views.</param>
/// <param name="GradCam">The Grad-CAM heatmap of the predicted class on the plain image, or null when not asked for.</param>
public sealed record PredictionDetails(Prediction Prediction, int Views, GradCamResult? GradCam)
{
    /// <summary>The Grad-CAM overlay (jet colour map at 45 % opacity over the preprocessed image) as PNG bytes, or null without Grad-CAM.</summary>
    public byte[]? GradCamOverlayPng() => GradCam?.OverlayPng();
}
