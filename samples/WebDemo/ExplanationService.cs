using TransferLearning.ML.Models;

namespace TransferLearning.ML.WebDemo;

/// <summary>
/// Produces the Grad-CAM overlay shown beside a prediction: the one place the demo meets the library's Grad-CAM.
/// </summary>
/// <remarks>
/// The library's Grad-CAM (<c>TransferLearning.ML.Evaluation.GradCam</c>, with heatmap options on
/// <see cref="TransferModel"/> predictions) is being written on another branch. Until it is merged here,
/// <see cref="IsAvailable"/> is false, <see cref="Explain"/> returns null, <c>/predict</c> answers
/// <c>"gradCam": null</c> and the page says "Grad-CAM not available". Wiring it means only: compute the heatmap
/// for <c>prediction.LabelIndex</c>, blend it over the image, encode the result as PNG, return it as a
/// <see cref="GradCamOverlay"/> (data URL), and make <see cref="IsAvailable"/> true.
/// </remarks>
public sealed class ExplanationService
{
    // the network Grad-CAM will differentiate once the library's implementation is wired in
    private readonly TransferModel _model;

    /// <summary>Explains predictions of <paramref name="model"/>.</summary>
    public ExplanationService(TransferModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Whether <see cref="Explain"/> returns overlays (false until the library's Grad-CAM is wired in).</summary>
    public bool IsAvailable => false;

    /// <summary>The Grad-CAM overlay of <paramref name="encodedImage"/> for the predicted class, or null when
    /// <see cref="IsAvailable"/> is false.</summary>
    /// <param name="encodedImage">The uploaded image (PNG, JPEG or BMP), already known to be readable.</param>
    /// <param name="prediction">The model's prediction for it; the overlay explains its class.</param>
    /// <param name="cancellationToken">Cancels the computation (the client went away).</param>
    public GradCamOverlay? Explain(byte[] encodedImage, Prediction prediction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        ArgumentNullException.ThrowIfNull(prediction);
        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }
}
