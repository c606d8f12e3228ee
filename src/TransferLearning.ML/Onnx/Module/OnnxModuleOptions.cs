namespace TransferLearning.ML.Onnx.Module;

/// <summary>How <see cref="OnnxModule.FromModel"/> turns an ONNX graph into a TorchSharp module.</summary>
public sealed record OnnxModuleOptions
{
    /// <summary>
    /// The graph input the module's <c>forward</c> receives. Default <c>null</c>: the graph's single input that is
    /// not an initializer.
    /// </summary>
    public string? InputName { get; init; }

    /// <summary>
    /// The tensor the module returns. Default <c>null</c>: the graph's single output. Naming an intermediate tensor
    /// (e.g. the output of <c>GlobalAveragePool</c>) cuts the graph there: nodes it does not need are dropped, and
    /// their parameters with them.
    /// </summary>
    public string? OutputName { get; init; }

    /// <summary>
    /// Whether BatchNormalization uses batch statistics and updates its running mean and variance while the module
    /// is in training mode. Default <c>false</c>: batch normalisation always runs in inference mode with the
    /// stored statistics, as the Keras transfer-learning guide advises for fine-tuning on small data sets; its
    /// scale and bias still train when their block is unfrozen. When set, only layers whose scale is a trainable
    /// parameter (their block is unfrozen) use batch statistics and update them; frozen blocks keep theirs unchanged.
    /// </summary>
    public bool TrainBatchNormStatistics { get; init; }
}
