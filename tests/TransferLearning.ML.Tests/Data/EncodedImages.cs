using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace TransferLearning.ML.Tests.Data;

/// <summary>
/// Writes test images byte by byte or with SkiaSharp, so every format variant the decoder must handle is produced
/// by the test itself (no binary fixtures).
/// </summary>
public static class EncodedImages
{
    /// <summary>An RGB(A) image encoded by SkiaSharp; <paramref name="pixel"/> gives the colour of each pixel.</summary>
    public static byte[] Skia(int width, int height, Func<int, int, SKColor> pixel, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) bitmap.SetPixel(x, y, pixel(x, y));
        using SKData data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A solid-colour JPEG.</summary>
    public static byte[] Jpeg(int width, int height, SKColor color, int quality = 95) =>
        Skia(width, height, (_, _) => color, SKEncodedImageFormat.Jpeg, quality);

    /// <summary>
    /// A PNG with the given IHDR bit depth and colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA); rows
    /// are the raw (unfiltered) scanline bytes, big-endian for 16-bit samples.
    /// </summary>
    public static byte[] Png(int width, int height, int bitDepth, int colorType, Func<int, byte[]> row, byte[]? palette = null,
        CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colorType;
        WriteChunk(output, "IHDR", header);
        if (palette is not null) WriteChunk(output, "PLTE", palette);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, level, leaveOpen: true))
                for (int y = 0; y < height; y++)
                {
                    zlib.WriteByte(0); // filter type None
                    zlib.Write(row(y));
                }
            WriteChunk(output, "IDAT", compressed.ToArray());
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>
    /// A "decompression bomb": a few hundred bytes whose IHDR claims <paramref name="width"/>×<paramref name="height"/>
    /// gray pixels, with the first rows of zeros compressed (the rest of the data is missing, as in a truncated bomb).
    /// </summary>
    public static byte[] Bomb(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 0;
        WriteChunk(output, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
                zlib.Write(new byte[(width + 1) * 16]);
            WriteChunk(output, "IDAT", compressed.ToArray());
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        output.Write(four);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        output.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typeAndData));
        output.Write(four);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A 24-bit uncompressed BMP (rows bottom-up, BGR, padded to 4 bytes).</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        int stride = (width * 3 + 3) & ~3;
        var bytes = new byte[54 + stride * height];
        bytes[0] = (byte)'B'; bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                (byte r, byte g, byte b) = pixel(x, y);
                int o = 54 + (height - 1 - y) * stride + x * 3;
                bytes[o] = b; bytes[o + 1] = g; bytes[o + 2] = r;
            }
        return bytes;
    }

    /// <summary>
    /// Inserts an EXIF APP1 segment with the given orientation tag (1–8) right after a JPEG's SOI marker.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, // little-endian TIFF header, first IFD at 8
            1, 0,                                    // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0,            // tag 0x0112 Orientation, SHORT, count 1
            (byte)orientation, 0, 0, 0,              // value
            0, 0, 0, 0,                              // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    /// <summary>
    /// A baseline 8×8 four-component (CMYK) JPEG of one flat colour, with an Adobe APP14 marker; values are stored
    /// the way Photoshop writes them (inverted: 255 means no ink). SkiaSharp cannot encode CMYK, so the file is
    /// assembled here: one block per component holding only a DC coefficient.
    /// </summary>
    public static byte[] CmykJpeg(byte c, byte m, byte y, byte k)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, byte[] body)
        {
            output.AddRange([0xFF, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2)]);
            output.AddRange(body);
        }
        Segment(0xEE, [.. "Adobe"u8.ToArray(), 0, 100, 0, 0, 0, 0, 0]);                 // APP14, transform 0
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);                           // DQT 0: all ones
        Segment(0xC0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]); // SOF0 8×8, 4 components
        // DC table 0: the standard luminance DC code lengths (categories 0–11)
        Segment(0xC4, [0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        // AC table 0: a single one-bit code for end-of-block
        Segment(0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        var bits = new List<bool>();
        void Put(int value, int count) { for (int i = count - 1; i >= 0; i--) bits.Add(((value >> i) & 1) != 0); }
        (int Code, int Length)[] dcCodes =
        [
            (0b00, 2), (0b010, 3), (0b011, 3), (0b100, 3), (0b101, 3), (0b110, 3), (0b1110, 4), (0b11110, 5),
            (0b111110, 6), (0b1111110, 7), (0b11111110, 8), (0b111111110, 9),
        ];
        foreach (byte sample in new[] { c, m, y, k })
        {
            int dc = 8 * (sample - 128); // DCT of a flat block, quantiser 1
            int magnitude = Math.Abs(dc), category = 0;
            while ((1 << category) <= magnitude) category++;
            Put(dcCodes[category].Code, dcCodes[category].Length);
            if (category > 0) Put(dc >= 0 ? dc : dc + (1 << category) - 1, category);
            Put(0, 1); // end of block
        }
        while (bits.Count % 8 != 0) bits.Add(true);
        for (int i = 0; i < bits.Count; i += 8)
        {
            byte value = 0;
            for (int j = 0; j < 8; j++) value = (byte)((value << 1) | (bits[i + j] ? 1 : 0));
            output.Add(value);
            if (value == 0xFF) output.Add(0x00);
        }
        output.AddRange([0xFF, 0xD9]);
        return output.ToArray();
    }
}
