namespace TransferLearning.ML.Models;

/// <summary>A saved model file is missing, damaged, truncated or from an incompatible version; the message says which and what to do.</summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelFileException(string message, Exception? inner = null) : base(message, inner) { }
}
