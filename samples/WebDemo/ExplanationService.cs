using TransferLearning.ML.Data;
using TransferLearning.ML.Interpretability;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.WebDemo;

/// <summary>
/// Produces the Grad-CAM overlay shown beside a prediction: the one place the demo meets the library's Grad-CAM.
/// The TorchSharp module behind Grad-CAM is built once; requests take turns on it (a Grad-CAM is a forward and a
/// partial backward pass, and the module keeps per-call state), while predictions themselves stay concurrent.
/// </summary>
public sealed class ExplanationService : IDisposable
{
    private readonly Lazy<GradCam> _gradCam;
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Explains predictions of <paramref name="model"/>.</summary>
    public ExplanationService(TransferModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _gradCam = new Lazy<GradCam>(() => model.CreateGradCam(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether <see cref="Explain"/> returns overlays.</summary>
    public bool IsAvailable => true;

    /// <summary>The Grad-CAM overlay of <paramref name="encodedImage"/> for the predicted class.</summary>
    /// <param name="encodedImage">The uploaded image (PNG, JPEG or BMP), already known to be readable.</param>
    /// <param name="prediction">The model's prediction for it; the overlay explains its class.</param>
    /// <param name="cancellationToken">Cancels the wait for a turn (the client went away).</param>
    public GradCamOverlay? Explain(byte[] encodedImage, Prediction prediction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        ArgumentNullException.ThrowIfNull(prediction);
        _turn.Wait(cancellationToken);
        try
        {
            var result = _gradCam.Value.Compute(ImageSource.FromBytes(encodedImage, "upload"), prediction.LabelIndex);
            string dataUrl = "data:image/png;base64," + Convert.ToBase64String(result.OverlayPng());
            return new GradCamOverlay(dataUrl, prediction.Label, result.LayerName);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_gradCam.IsValueCreated) _gradCam.Value.Dispose();
        _turn.Dispose();
    }
}
