namespace TransferLearning.ML.Onnx;

/// <summary>How <see cref="OnnxModel.MaterializeParameterInputs"/> fills the parameters of a graph-only export.</summary>
public enum ParameterInitialization
{
    /// <summary>
    /// The usual training start: Kaiming-normal (fan-out, ReLU gain) convolution weights, normal(0, 0.01)
    /// Gemm/MatMul weights, zero biases, batch-normalisation scale 1, bias 0, mean 0, variance 1.
    /// </summary>
    Default,

    /// <summary>
    /// Every value random (including biases and batch-normalisation statistics: scale and variance uniform in
    /// [0.5, 1.5], bias and mean normal(0, 0.1)), scaled so that activations stay of order one through deep
    /// networks: for numerical comparisons between engines, where zeros and ones would hide mistakes.
    /// </summary>
    RandomForTesting,
}
