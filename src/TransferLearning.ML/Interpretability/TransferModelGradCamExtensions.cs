using TransferLearning.ML.Data;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Interpretability;

/// <summary>Grad-CAM for a trained <see cref="TransferModel"/>.</summary>
public static class TransferModelGradCamExtensions
{
    /// <summary>
    /// A Grad-CAM explainer over this model (compiled once into a TorchSharp module; keep and reuse it for many
    /// images, and dispose it).
    /// </summary>
    /// <param name="model">The trained model.</param>
    /// <param name="options">Target layer and score tensor; default <c>null</c>: the last convolutional map and <c>logits</c>.</param>
    /// <exception cref="ArgumentException">The backbone has no convolutional map and none was named.</exception>
    /// <exception cref="Onnx.OnnxModuleException">The graph uses an operator the TorchSharp executor lacks, or the named layer does not exist.</exception>
    public static GradCam CreateGradCam(this TransferModel model, GradCamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        var gradCam = GradCam.For(model, options);
        gradCam.MaxImagePixels = model.MaxImagePixels;
        return gradCam;
    }

    /// <summary>
    /// Classifies an image as <see cref="TransferModel.Predict(ImageSource, PredictionOptions)"/> does (with
    /// test-time augmentation when <paramref name="prediction"/> asks for it) and adds the Grad-CAM heatmap of the
    /// predicted class on the plain image.
    /// </summary>
    /// <param name="model">The trained model.</param>
    /// <param name="source">The encoded image.</param>
    /// <param name="prediction">Views, augmentation and seed of the prediction; default <c>null</c>: the plain image only.</param>
    /// <param name="gradCam">Target layer and score tensor; default <c>null</c>: the last convolutional map and <c>logits</c>.</param>
    /// <exception cref="ImageDataException">The image is not readable.</exception>
    /// <remarks>The model is compiled into a TorchSharp module on every call; for many images use <see cref="CreateGradCam"/> once.</remarks>
    public static Explanation Explain(this TransferModel model, ImageSource source, PredictionOptions? prediction = null,
        GradCamOptions? gradCam = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        var details = model.Predict(source, prediction ?? new PredictionOptions());
        using var explainer = model.CreateGradCam(gradCam);
        return new Explanation(details, explainer.Compute(source, details.Prediction.LabelIndex));
    }

    /// <summary>Classifies the image file at <paramref name="path"/> and explains the predicted class (see <see cref="Explain(TransferModel, ImageSource, PredictionOptions?, GradCamOptions?)"/>).</summary>
    /// <exception cref="ImageDataException">The file is missing or not a readable image.</exception>
    public static Explanation Explain(this TransferModel model, string path, PredictionOptions? prediction = null,
        GradCamOptions? gradCam = null) => model.Explain(ImageSource.FromFile(path), prediction, gradCam);
}
