namespace TransferLearning.ML.Backbones;

/// <summary>Progress of a weight download.</summary>
/// <param name="Backbone">The catalog name.</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The file's size when the server said it, else null.</param>
public sealed record DownloadProgress(string Backbone, long BytesReceived, long? TotalBytes)
{
    /// <summary>Fraction done in [0, 1], or null when the size is unknown.</summary>
    public double? Fraction => TotalBytes is > 0 ? (double)BytesReceived / TotalBytes.Value : null;
}
