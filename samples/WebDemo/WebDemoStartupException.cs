namespace TransferLearning.ML.WebDemo;

/// <summary>The web demo cannot start (no model, a file that is not a model, an address it refuses); the message
/// says what to do.</summary>
public sealed class WebDemoStartupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WebDemoStartupException(string message, Exception? inner = null) : base(message, inner) { }
}
