namespace TransferLearning.ML.Data;

/// <summary>A file that was left out of a dataset or an epoch, and why.</summary>
/// <param name="Path">The file (or display name of an in-memory image).</param>
/// <param name="Reason">Why it was left out, e.g. "not an image extension" or the decoder's error.</param>
public sealed record SkippedFile(string Path, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Reason}";
}
