using Microsoft.ML.OnnxRuntime.Tensors;

namespace TransferLearning.ML.Onnx;

/// <summary>A graph input or output: its name, element type and dimensions.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="ElementType">The element type (the values are those of ONNX's <c>TensorProto.DataType</c>).</param>
/// <param name="Dimensions">One entry per axis: the size, or <see langword="null"/> for a symbolic dimension such
/// as the batch size.</param>
public sealed record OnnxTensorInfo(string Name, TensorElementType ElementType, long?[] Dimensions)
{
    /// <summary>The number of axes.</summary>
    public int Rank => Dimensions.Length;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {ElementType}[{string.Join(",", Dimensions.Select(d => d?.ToString() ?? "?"))}]";
}
