using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>One ONNX node compiled for execution: attributes parsed and constant inputs read once, at construction.</summary>
internal interface IOnnxOperator
{
    /// <summary>What the node is to the block partition (activation, pooling, merge, ...).</summary>
    OperatorKind Kind { get; }

    /// <summary>Computes the node's first output. May return one of its inputs; the executor then aliases it.</summary>
    Tensor Run(in NodeInputs inputs, in OperatorRunContext context);
}

/// <summary>The role a node plays when the graph is split into blocks.</summary>
internal enum OperatorKind
{
    /// <summary>Shape handling, arithmetic with constants, normalisation, ...</summary>
    Other,
    /// <summary>An element-wise non-linearity (Relu, Clip, Sigmoid, HardSwish, ...).</summary>
    Activation,
    /// <summary>Max, average or global pooling.</summary>
    Pooling,
    /// <summary>An operator joining two or more activations (Add, Concat, Sum).</summary>
    Merge,
    /// <summary>A parameterised linear map (Conv, Gemm, MatMul with a weight).</summary>
    Linear,
    /// <summary>A parameterised linear map with an activation fused in (a quantised conv clamped at zero).</summary>
    LinearWithActivation,
}

/// <summary>What a float initializer is to the operator consuming it; decides how it is re-initialised.</summary>
internal enum ParameterRole
{
    /// <summary>Not a weight of a known layer: kept as it is by <see cref="OnnxModule.ReinitializeParameters"/>.</summary>
    Other,
    ConvWeight,
    LinearWeight,
    LinearWeightTransposed,
    Bias,
    NormScale,
    NormBias,
    RunningMean,
    RunningVariance,
}

/// <summary>The state a node runs in.</summary>
/// <param name="Training">The module is in <c>train()</c> mode.</param>
/// <param name="TrainBatchNormStatistics">See <see cref="OnnxModuleOptions.TrainBatchNormStatistics"/>.</param>
/// <param name="MayOverwriteInput">The first input is a computed tensor no later node reads, and no autograd graph
/// is being recorded: an element-wise operator may write its result into it and return it.</param>
internal readonly record struct OperatorRunContext(bool Training, bool TrainBatchNormStatistics, bool MayOverwriteInput = false);

/// <summary>The input tensors of one node, read from the executor's value slots without copying.</summary>
internal readonly struct NodeInputs
{
    private readonly Tensor?[] _values;
    private readonly int[] _slots;

    public NodeInputs(Tensor?[] values, int[] slots)
    {
        _values = values;
        _slots = slots;
    }

    /// <summary>The number of input positions, absent optional ones included.</summary>
    public int Count => _slots.Length;

    /// <summary>Whether input <paramref name="index"/> is given.</summary>
    public bool Has(int index) => index < _slots.Length && _slots[index] >= 0;

    /// <summary>Input <paramref name="index"/>, which must be given.</summary>
    public Tensor this[int index] => _values[_slots[index]]
        ?? throw new InvalidOperationException($"Input {index} was released before its last use.");
}
