namespace TransferLearning.ML.Data;

/// <summary>
/// A problem with the images or labels given to the library: an unreadable or missing image, a malformed label
/// list, an empty class. The message names the file (or option) and says what to do about it.
/// </summary>
public class ImageDataException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file, and what to do.</param>
    /// <param name="fileName">The file concerned, when there is one.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ImageDataException(string message, string? fileName = null, Exception? innerException = null)
        : base(message, innerException)
    {
        FileName = fileName;
    }

    /// <summary>The image, list or folder the problem is about, or <c>null</c>.</summary>
    public string? FileName { get; }
}
