namespace TransferLearning.ML.Data;

/// <summary>Where an image's encoded bytes come from: a file path, or bytes already in memory.</summary>
public sealed class ImageSource
{
    private ImageSource(string? path, ReadOnlyMemory<byte> bytes, string displayName)
    {
        Path = path;
        Bytes = bytes;
        DisplayName = displayName;
    }

    /// <summary>The file path, or <c>null</c> for an in-memory image.</summary>
    public string? Path { get; }

    /// <summary>The encoded bytes of an in-memory image (empty for a file).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The name used in messages: the path for a file, the given name for in-memory bytes.</summary>
    public string DisplayName { get; }

    /// <summary><c>true</c> when the image lives in memory rather than in a file.</summary>
    public bool IsInMemory => Path is null;

    /// <summary>An image stored in a file.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static ImageSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new ImageSource(path, ReadOnlyMemory<byte>.Empty, path);
    }

    /// <summary>An image whose encoded bytes (PNG, JPEG or BMP) are already in memory.</summary>
    /// <param name="bytes">The encoded image; not copied, so do not change it afterwards.</param>
    /// <param name="displayName">A name for messages, e.g. the original file name or a row id.</param>
    public static ImageSource FromBytes(ReadOnlyMemory<byte> bytes, string displayName)
    {
        ArgumentException.ThrowIfNullOrEmpty(displayName);
        return new ImageSource(null, bytes, displayName);
    }

    /// <inheritdoc/>
    public override string ToString() => DisplayName;
}
