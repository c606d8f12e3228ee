namespace TransferLearning.ML.Onnx;

/// <summary>
/// An ONNX graph cannot be turned into an <see cref="Module.OnnxModule"/> or cannot run: an operator is not implemented,
/// an attribute or input is malformed, or a requested tensor does not exist. The message names the node, the
/// operator and the opset.
/// </summary>
public sealed class OnnxModuleException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    public OnnxModuleException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public OnnxModuleException(string message, Exception inner) : base(message, inner) { }
}
