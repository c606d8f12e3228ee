using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>
/// What an operator factory sees of its node while the module is built: attributes, the opset, constant inputs
/// (initializers and Constant nodes) and a way to declare parameters derived from them.
/// </summary>
internal sealed class OperatorBuildContext
{
    private readonly Func<string, TensorProto?> _constant;
    private readonly Func<string, Tensor, ParameterRole, GraphParameter> _declareParameter;

    public OperatorBuildContext(NodeProto node, int opset, Func<string, TensorProto?> constant,
        Func<string, Tensor, ParameterRole, GraphParameter> declareParameter)
    {
        Node = node;
        Opset = opset;
        _constant = constant;
        _declareParameter = declareParameter;
        StaticInputs = new bool[node.Input.Count];
        InputRoles = new ParameterRole[node.Input.Count];
    }

    public NodeProto Node { get; }

    /// <summary>The opset version of the node's domain the model imports.</summary>
    public int Opset { get; }

    /// <summary>Inputs read at construction only, which need no value at run time.</summary>
    public bool[] StaticInputs { get; }

    /// <summary>The build-time type of each input (null where absent), from the graph input, constants and producers.</summary>
    public ValueType?[] InputTypes { get; init; } = [];

    /// <summary>What each input is to the operator, when it is a float initializer.</summary>
    public ParameterRole[] InputRoles { get; }

    /// <summary>Whether the node names input <paramref name="index"/> (optional inputs may be empty or missing).</summary>
    public bool HasInput(int index) => index < Node.Input.Count && Node.Input[index].Length > 0;

    /// <summary>Input <paramref name="index"/>'s value when it is an initializer or a Constant node's output.</summary>
    public TensorProto? Constant(int index) => HasInput(index) ? _constant(Node.Input[index]) : null;

    /// <summary>Reads a constant input at construction and marks it as not needed at run time.</summary>
    /// <exception cref="OnnxModuleException">The input is not a constant.</exception>
    public TensorProto StaticInput(int index, string what)
    {
        TensorProto value = Constant(index) ?? throw Error(
            $"its {what} (input {index}, '{(HasInput(index) ? Node.Input[index] : "")}') must be an initializer or a Constant");
        StaticInputs[index] = true;
        return value;
    }

    /// <summary>Declares what input <paramref name="index"/> is, for re-initialisation.</summary>
    public void SetRole(int index, ParameterRole role)
    {
        if (index < InputRoles.Length) InputRoles[index] = role;
    }

    /// <summary>
    /// Registers a trainable parameter computed from constants (e.g. a dequantised weight). Operators read its
    /// <see cref="GraphParameter.Value"/> at run time, which follows the module across <c>to(...)</c> moves.
    /// </summary>
    public GraphParameter DeclareParameter(string onnxName, Tensor value, ParameterRole role) =>
        _declareParameter(onnxName, value, role);

    public long Int(string name, long defaultValue) =>
        Find(name) is { } a ? a.I : defaultValue;

    public float Float(string name, float defaultValue) =>
        Find(name) is { } a ? a.F : defaultValue;

    public long[]? Ints(string name) => Find(name)?.Ints.ToArray();

    public string? String(string name) => Find(name)?.S.ToStringUtf8();

    public bool HasAttribute(string name) => Find(name) is not null;

    /// <summary>An error naming the node, its operator and opset.</summary>
    public OnnxModuleException Error(string problem) => new(
        $"Node '{Node.Name}' ({Node.OpType}, opset {Opset}): {problem}.");

    private AttributeProto? Find(string name)
    {
        foreach (AttributeProto a in Node.Attribute)
            if (a.Name == name) return a;
        return null;
    }
}
