using TorchSharp.Modules;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>A float initializer (or a weight derived from a quantised one) that trains.</summary>
internal sealed class GraphParameter(string onnxName, Parameter value, ParameterRole role, bool derived)
{
    public string OnnxName { get; } = onnxName;

    /// <summary>The current parameter object; replaced when the module is moved or converted.</summary>
    public Parameter Value { get; set; } = value;

    public ParameterRole Role { get; } = role;

    /// <summary>Computed from constants by an operator (a dequantised weight) rather than read from an initializer.</summary>
    public bool Derived { get; } = derived;

    public int Slot { get; set; } = -1;
    public string RegisteredName { get; set; } = "";
}
