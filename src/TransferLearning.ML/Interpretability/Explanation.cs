using TransferLearning.ML.Models;

namespace TransferLearning.ML.Interpretability;

/// <summary>A prediction and where the model looked to make it.</summary>
/// <param name="Details">The predicted class, the (view-averaged) probabilities and how many views were averaged.</param>
/// <param name="GradCam">The Grad-CAM heatmap of the predicted class on the plain image.</param>
public sealed record Explanation(PredictionDetails Details, GradCamResult GradCam)
{
    /// <summary>The Grad-CAM overlay (jet colour map at 45 % opacity over the preprocessed image) as PNG bytes.</summary>
    public byte[] OverlayPng() => GradCam.OverlayPng();
}
