namespace TransferLearning.ML.Onnx;

/// <summary>
/// An ONNX model cannot be read, is malformed, or cannot be used the way it was asked to be: the message names
/// the file, node, operator and tensor involved and says what to do.
/// </summary>
public sealed class OnnxModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do about it.</param>
    /// <param name="filePath">The model file, when the model came from a file.</param>
    /// <param name="nodeName">The node at fault, if any.</param>
    /// <param name="opType">The operator type of that node, if any.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public OnnxModelException(string message, string? filePath = null, string? nodeName = null, string? opType = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        NodeName = nodeName;
        OpType = opType;
    }

    /// <summary>The model file, or <see langword="null"/> when the model was built in memory.</summary>
    public string? FilePath { get; }

    /// <summary>The node at fault, or <see langword="null"/>.</summary>
    public string? NodeName { get; }

    /// <summary>The operator type of the node at fault, or <see langword="null"/>.</summary>
    public string? OpType { get; }
}
