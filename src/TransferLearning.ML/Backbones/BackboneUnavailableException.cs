namespace TransferLearning.ML.Backbones;

/// <summary>
/// A backbone's weights are not available locally and could not be fetched (offline, no known download, or a
/// checksum mismatch). The message says what to download and where to put it.
/// </summary>
public sealed class BackboneUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BackboneUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
