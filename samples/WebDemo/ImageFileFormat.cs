namespace TransferLearning.ML.WebDemo;

/// <summary>Recognises the image formats the model reads (PNG, JPEG, BMP) by their first bytes, so an upload that is
/// something else (a text file renamed <c>.png</c>, a PDF) is refused with a message saying what it is.</summary>
internal static class ImageFileFormat
{
    /// <summary>"PNG", "JPEG" or "BMP", or null when the bytes start like none of them.</summary>
    public static string? Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "PNG";
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "JPEG";
        if (bytes.Length >= 26 && bytes.StartsWith("BM"u8)) return "BMP";
        return null;
    }

    /// <summary>A few words on what an unrecognised file looks like, for the error message.</summary>
    public static string DescribeUnknown(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("%PDF"u8)) return "it is a PDF document";
        if (bytes.StartsWith("GIF8"u8)) return "it is a GIF image";
        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8)) return "it is a WebP image";
        var head = bytes[..Math.Min(bytes.Length, 256)];
        bool text = true;
        foreach (byte b in head)
            if (b < 0x09 || (b > 0x0D && b < 0x20)) { text = false; break; }
        return text ? "it is text" : "its header is not an image's";
    }
}
