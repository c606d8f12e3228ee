using TransferLearning.ML.Evaluation;

namespace TransferLearning.ML.Models;

public sealed partial class TransferModel
{
    /// <summary>
    /// A Grad-CAM explainer over this model (compiled once into a TorchSharp module; keep and reuse it for many
    /// images, and dispose it).
    /// </summary>
    /// <param name="options">Target layer and score tensor; default <c>null</c>: the last convolutional map and <c>logits</c>.</param>
    /// <exception cref="ArgumentException">The backbone has no convolutional map and none was named.</exception>
    /// <exception cref="Onnx.Module.OnnxModuleException">The graph uses an operator the TorchSharp executor lacks, or the named layer does not exist.</exception>
    public GradCam CreateGradCam(GradCamOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var gradCam = GradCam.For(this, options);
        gradCam.MaxImagePixels = MaxImagePixels;
        return gradCam;
    }
}
