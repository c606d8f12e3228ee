using Microsoft.ML.OnnxRuntime;

namespace TransferLearning.ML.Onnx;

/// <summary>How ONNX Runtime runs a frozen backbone.</summary>
public sealed record OnnxRuntimeOptions
{
    /// <summary>Threads used inside one operator (the one that matters for CNNs); default
    /// <see cref="Environment.ProcessorCount"/>. Must be at least 1.</summary>
    public int IntraOpThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Threads used to run independent operators in parallel; default 1 (sequential execution, which is
    /// fastest for CNN chains). Must be at least 1.</summary>
    public int InterOpThreads { get; init; } = 1;

    /// <summary>Graph optimisations applied when the session is created; default
    /// <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Whether idle intra-op threads spin-wait for the next operator (ONNX Runtime's default, true). A
    /// session whose runs alternate with other CPU work (the frozen blocks of a fine-tune, then TorchSharp) turns it
    /// off so that its threads do not compete with that work.</summary>
    internal bool AllowSpinning { get; init; } = true;

    /// <summary>Session options for these settings (the caller disposes them); int8 kernels exact on every CPU
    /// (<see cref="QuantizedKernelPrecision"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A thread count is below 1.</exception>
    internal SessionOptions ToSessionOptions()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(IntraOpThreads, 1, nameof(IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfLessThan(InterOpThreads, 1, nameof(InterOpThreads));
        var options = QuantizedKernelPrecision.Apply(new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = InterOpThreads,
            GraphOptimizationLevel = GraphOptimizationLevel,
            ExecutionMode = InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
        });
        if (!AllowSpinning)
        {
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        }
        return options;
    }
}
