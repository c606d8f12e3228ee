using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>A tensor that is state but not trained (running statistics), or a constant (shapes, indices, Constant nodes).</summary>
internal sealed class GraphBuffer(string onnxName, Tensor value, ParameterRole role, bool isConstant, int slot)
{
    public string OnnxName { get; } = onnxName;

    /// <summary>The current tensor; replaced when the module is moved or converted.</summary>
    public Tensor Value { get; set; } = value;

    public ParameterRole Role { get; } = role;
    public bool IsConstant { get; } = isConstant;
    public int Slot { get; } = slot;

    public string RegisteredName { get; set; } = "";
}
