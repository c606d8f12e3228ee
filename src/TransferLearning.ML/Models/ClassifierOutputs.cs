namespace TransferLearning.ML.Models;

/// <summary>The output tensors of every classifier graph the library builds: both [N, classes].</summary>
internal static class ClassifierOutputs
{
    /// <summary>The output Gemm's scores, before the Softmax (what Grad-CAM differentiates).</summary>
    public const string Logits = "logits";

    /// <summary>The Softmax of <see cref="Logits"/>.</summary>
    public const string Probabilities = "probabilities";
}
