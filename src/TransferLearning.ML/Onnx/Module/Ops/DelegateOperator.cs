using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>The body of a compiled node: a function of its inputs and run state.</summary>
internal delegate Tensor OperatorBody(in NodeInputs inputs, in OperatorRunContext context);

/// <summary>An operator whose run-time work is a closure over the attributes parsed at construction.</summary>
internal sealed class DelegateOperator(OperatorKind kind, OperatorBody body) : IOnnxOperator
{
    public OperatorKind Kind { get; } = kind;

    public Tensor Run(in NodeInputs inputs, in OperatorRunContext context) => body(inputs, context);
}
