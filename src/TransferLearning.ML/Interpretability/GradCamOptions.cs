using TransferLearning.ML.Data;

namespace TransferLearning.ML.Interpretability;

/// <summary>Which layer and output <see cref="GradCam"/> explains, and how images become the network's input.</summary>
public sealed record GradCamOptions
{
    /// <summary>
    /// The ONNX name of the tensor whose activations are weighted (a 4-D [N, C, H, W] map). Default <c>null</c>:
    /// the output of the last convolutional block, i.e. the last Conv/QLinearConv output with H, W &gt; 1 followed
    /// through the activations (SiLU included), residual additions and concatenations that keep a spatial map, up
    /// to the global pooling (for MobileNetV2 the 1280×7×7 map fed to GlobalAveragePool).
    /// </summary>
    public string? TargetLayer { get; init; }

    /// <summary>
    /// The tensor holding the class scores. Default <c>null</c>: <c>logits</c> when the graph has such an output,
    /// else the input of a final Softmax, else the graph's first output.
    /// </summary>
    public string? OutputName { get; init; }

    /// <summary>
    /// How images become the input of a plain ONNX classifier. Default <c>null</c>: 224×224 RGB with ImageNet
    /// normalisation. Ignored for a <see cref="Models.TransferModel"/>, which carries its own preprocessing.
    /// </summary>
    public ImagePreprocessing? Preprocessing { get; init; }
}
