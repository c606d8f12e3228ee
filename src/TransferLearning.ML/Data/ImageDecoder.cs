using System.Buffers;
using SkiaSharp;

namespace TransferLearning.ML.Data;

/// <summary>
/// Decodes PNG, JPEG and BMP with SkiaSharp's <see cref="SKCodec"/> into 8-bit gray or RGB:
/// gray images (8- or 16-bit) stay 1 channel; RGB, palette, CMYK and 16-bit colour become 3 channels; an alpha
/// channel is composited over black (transparent pixels become black, as a network expecting RGB sees them); the
/// EXIF orientation is applied. Given an <see cref="ImagePreprocessing"/>, an image at least twice the target size
/// is decoded at reduced scale (JPEG's DCT scaling, then an integer box filter over streamed rows), so a large
/// JPEG scan never needs its full-size pixels in memory (a PNG is decoded whole, then reduced). Images over the
/// pixel budget (<see cref="MaxPixels"/>, 64 megapixels by default) are refused unless the budget is raised.
/// </summary>
/// <remarks>
/// <para>One instance keeps reusable buffers and is not thread-safe: use one decoder per thread.</para>
/// <para>
/// Hostile or accidental "decompression bombs" (a few hundred bytes whose header claims 40000×40000 pixels) are
/// refused from the header, before any pixel is decoded: an image of more than <see cref="MaxPixels"/> pixels
/// (default <see cref="DefaultMaxPixels"/>, 64 megapixels) raises <see cref="ImageTooLargeException"/>. Buffers
/// grown past <see cref="RetainedBufferBytes"/> by one large image are given back after it, so one 60-megapixel
/// scan does not keep a quarter of a gigabyte alive in every decoder.
/// </para>
/// </remarks>
internal sealed class ImageDecoder
{
    /// <summary>The default pixel budget: 64 megapixels (64 000 000 pixels, e.g. 8000×8000).</summary>
    public const long DefaultMaxPixels = 64_000_000;

    /// <summary>Reusable buffers larger than this (16 MiB) are released after the decode that needed them.</summary>
    public const int RetainedBufferBytes = 16 << 20;

    private static readonly SKDataReleaseDelegate KeepMemory = static (_, _) => { };
    private byte[] _encoded = [];
    private byte[] _row = [];
    private int[] _sums = [];
    private readonly DecodedImage _scratch = new();
    private long _maxPixels;

    /// <summary>A decoder with the given pixel budget.</summary>
    /// <param name="maxPixels">Largest accepted width × height of the encoded image; default <see cref="DefaultMaxPixels"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPixels"/> is below 1.</exception>
    public ImageDecoder(long maxPixels = DefaultMaxPixels) => MaxPixels = maxPixels;

    /// <summary>
    /// The pixel budget: an image whose header gives more than this many pixels (width × height) is refused with
    /// <see cref="ImageTooLargeException"/> before it is decoded. Default <see cref="DefaultMaxPixels"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public long MaxPixels
    {
        get => _maxPixels;
        set => _maxPixels = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxPixels), value, "MaxPixels must be at least 1 (default 64 000 000).");
    }

    /// <summary>Decodes one image into a new <see cref="DecodedImage"/> (convenience; allocates).</summary>
    /// <exception cref="ImageDataException">The image is missing, empty, truncated or not a PNG/JPEG/BMP.</exception>
    /// <exception cref="ImageTooLargeException">The image has more than <paramref name="maxPixels"/> pixels.</exception>
    public static DecodedImage DecodeFile(string path, ImagePreprocessing? target = null, long maxPixels = DefaultMaxPixels)
    {
        var image = new DecodedImage();
        new ImageDecoder(maxPixels).Decode(ImageSource.FromFile(path), image, target);
        return image.Clone();
    }

    /// <summary>Decodes <paramref name="source"/> into <paramref name="into"/>, reusing its buffer.</summary>
    /// <param name="source">The encoded image.</param>
    /// <param name="into">Receives the pixels.</param>
    /// <param name="target">
    /// The preprocessing the pixels are for: when given, an image at least twice as large as needed is decoded at
    /// an integer fraction of its size that stays at or above the target. Default <c>null</c>: full size.
    /// </param>
    /// <exception cref="ImageDataException">The image is missing, empty, truncated or not a PNG/JPEG/BMP.</exception>
    /// <exception cref="ImageTooLargeException">The header gives more than <see cref="MaxPixels"/> pixels (nothing was decoded).</exception>
    public void Decode(ImageSource source, DecodedImage into, ImagePreprocessing? target = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(into);
        try
        {
            if (source.IsInMemory)
            {
                using MemoryHandle pin = source.Bytes.Pin();
                unsafe { DecodeEncoded(source, (IntPtr)pin.Pointer, source.Bytes.Length, into, target); }
                return;
            }
            int length = ReadFile(source);
            unsafe
            {
                fixed (byte* bytes = _encoded) DecodeEncoded(source, (IntPtr)bytes, length, into, target);
            }
        }
        finally
        {
            ReleaseLargeBuffers(into);
        }
    }

    /// <summary>Drops scratch buffers grown past <see cref="RetainedBufferBytes"/> and shrinks an oversize output buffer.</summary>
    private void ReleaseLargeBuffers(DecodedImage into)
    {
        if (_encoded.Length > RetainedBufferBytes) _encoded = [];
        if (_row.Length > RetainedBufferBytes) _row = [];
        if (_sums.Length * sizeof(int) > RetainedBufferBytes) _sums = [];
        _scratch.ReleaseIfLarger(RetainedBufferBytes);
        into.ShrinkIfLarger(RetainedBufferBytes);
    }

    /// <summary>
    /// Checks that <paramref name="source"/> exists, is a PNG, JPEG or BMP with a readable header and is within
    /// <paramref name="maxPixels"/>, reading only the header (no pixel is decoded). Damage after the header
    /// (a truncated file) is only found by decoding.
    /// </summary>
    /// <exception cref="ImageDataException">Missing, empty, not an image, or a damaged header.</exception>
    /// <exception cref="ImageTooLargeException">The header gives more than <paramref name="maxPixels"/> pixels.</exception>
    internal static void Probe(ImageSource source, long maxPixels)
    {
        if (source.IsInMemory)
        {
            new ImageDecoder(maxPixels).ProbeBytes(source, source.Bytes.Span);
            return;
        }
        try
        {
            using var file = new FileStream(source.Path!, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            if (file.Length == 0) throw Unreadable(source, "empty file, 0 bytes");
            using var stream = new SKManagedStream(file, disposeManagedStream: false);
            using SKCodec? codec = SKCodec.Create(stream);
            if (codec is null)
            {
                file.Position = 0;
                Span<byte> head = stackalloc byte[64];
                int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
                unsafe
                {
                    fixed (byte* p = head) throw Unreadable(source, DescribeUnknown((IntPtr)p, n));
                }
            }
            CheckSize(source, codec.Info, maxPixels);
        }
        catch (FileNotFoundException e) { throw Unreadable(source, "file not found", e); }
        catch (DirectoryNotFoundException e) { throw Unreadable(source, "folder not found", e); }
        catch (UnauthorizedAccessException e) { throw Unreadable(source, "access denied", e); }
        catch (IOException e) { throw Unreadable(source, e.Message, e); }
    }

    private unsafe void ProbeBytes(ImageSource source, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) throw Unreadable(source, "empty file, 0 bytes");
        fixed (byte* p = bytes)
        {
            using SKData data = SKData.Create((IntPtr)p, bytes.Length, KeepMemory);
            using SKCodec? codec = SKCodec.Create(data);
            if (codec is null) throw Unreadable(source, DescribeUnknown((IntPtr)p, bytes.Length));
            CheckSize(source, codec.Info, MaxPixels);
        }
    }

    private static void CheckSize(ImageSource source, SKImageInfo info, long maxPixels)
    {
        if ((long)info.Width * info.Height > maxPixels || info.Width <= 0 || info.Height <= 0)
            throw new ImageTooLargeException(source.DisplayName, info.Width, info.Height, maxPixels);
    }

    private int ReadFile(ImageSource source)
    {
        string path = source.Path!;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            if (length > int.MaxValue) throw Unreadable(source, "larger than 2 GB");
            if (_encoded.Length < length) _encoded = GC.AllocateUninitializedArray<byte>((int)Math.Max(length, _encoded.Length * 3L / 2));
            int read = 0;
            while (read < length)
            {
                int n = RandomAccess.Read(handle, _encoded.AsSpan(read, (int)length - read), read);
                if (n == 0) break;
                read += n;
            }
            return read;
        }
        catch (FileNotFoundException e) { throw Unreadable(source, "file not found", e); }
        catch (DirectoryNotFoundException e) { throw Unreadable(source, "folder not found", e); }
        catch (IOException e) { throw Unreadable(source, e.Message, e); }
        catch (UnauthorizedAccessException e) { throw Unreadable(source, "access denied", e); }
    }

    private void DecodeEncoded(ImageSource source, IntPtr bytes, int length, DecodedImage into, ImagePreprocessing? target)
    {
        if (length == 0) throw Unreadable(source, "empty file, 0 bytes");
        using SKData data = SKData.Create(bytes, length, KeepMemory);
        using SKCodec? codec = SKCodec.Create(data);
        if (codec is null) throw Unreadable(source, DescribeUnknown(bytes, length));

        SKImageInfo info = codec.Info;
        CheckSize(source, info, MaxPixels);
        SKEncodedOrigin origin = codec.EncodedOrigin;
        bool swapsAxes = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int uprightWidth = swapsAxes ? info.Height : info.Width, uprightHeight = swapsAxes ? info.Width : info.Height;
        bool gray = info.ColorType == SKColorType.Gray8;

        int factor = target?.ReductionFactor(uprightWidth, uprightHeight) ?? 1;
        SKSizeI size = new(info.Width, info.Height);
        if (factor >= 2)
        {
            SKSizeI scaled = codec.GetScaledDimensions(1f / factor);
            if (scaled.Width >= 1 && scaled.Height >= 1 && scaled.Width < info.Width)
            {
                double codecFactor = (double)info.Width / scaled.Width;
                size = scaled;
                factor = Math.Max(1, (int)Math.Floor(factor / codecFactor + 1e-9));
            }
        }
        var decodeInfo = new SKImageInfo(size.Width, size.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Premul);

        if (factor >= 2 && codec.ScanlineOrder == SKCodecScanlineOrder.TopDown)
            DecodeReduced(source, codec, decodeInfo, factor, into);
        else
        {
            into.Reset(size.Width, size.Height, gray ? 1 : 3, (long)size.Width * size.Height * (gray ? 1 : 4));
            SKCodecResult result;
            unsafe
            {
                fixed (byte* pixels = into.Buffer) result = codec.GetPixels(decodeInfo, (IntPtr)pixels);
            }
            if (result != SKCodecResult.Success) throw Unreadable(source, Describe(result));
            if (!gray) DropAlpha(into.Buffer, size.Width * size.Height);
        }
        into.OriginalSize = (uprightWidth, uprightHeight);
        if (origin is not (SKEncodedOrigin.TopLeft)) ImageOrientation.Apply(origin, into, _scratch);
    }

    /// <summary>
    /// Averages each factor×factor block. Rows are streamed when the codec supports scanlines (JPEG), so memory stays
    /// one row plus the output; otherwise (PNG) the image is decoded whole and reduced in place.
    /// </summary>
    private void DecodeReduced(ImageSource source, SKCodec codec, SKImageInfo info, int factor, DecodedImage into)
    {
        int inChannels = info.ColorType == SKColorType.Gray8 ? 1 : 4, outChannels = inChannels == 1 ? 1 : 3;
        int width = info.Width / factor, height = info.Height / factor;
        int rowBytes = info.Width * inChannels;
        if (_sums.Length < width * outChannels) _sums = new int[width * outChannels];
        bool streamed = codec.StartScanlineDecode(info) == SKCodecResult.Success;
        if (streamed)
        {
            into.Reset(width, height, outChannels, (long)width * height * outChannels);
            if (_row.Length < rowBytes) _row = GC.AllocateUninitializedArray<byte>(rowBytes, pinned: true);
        }
        else
        {
            into.Reset(info.Width, info.Height, outChannels, (long)rowBytes * info.Height);
            SKCodecResult result;
            unsafe
            {
                fixed (byte* pixels = into.Buffer) result = codec.GetPixels(info, (IntPtr)pixels);
            }
            if (result != SKCodecResult.Success) throw Unreadable(source, Describe(result));
        }

        int area = factor * factor;
        byte[] output = into.Buffer;
        for (int y = 0; y < height; y++)
        {
            Array.Clear(_sums, 0, width * outChannels);
            for (int r = 0; r < factor; r++)
            {
                if (streamed)
                {
                    int got;
                    unsafe
                    {
                        fixed (byte* row = _row) got = codec.GetScanlines((IntPtr)row, 1, rowBytes);
                    }
                    if (got != 1) throw Unreadable(source, "the image data ends early (truncated file)");
                    AccumulateRow(_row, _sums, width, factor, inChannels, outChannels);
                }
                else AccumulateRow(output.AsSpan((y * factor + r) * rowBytes, rowBytes), _sums, width, factor, inChannels, outChannels);
            }
            // in place is safe: output row y ends before input row y·factor begins
            int offset = y * width * outChannels;
            for (int i = 0; i < width * outChannels; i++) output[offset + i] = (byte)((_sums[i] + area / 2) / area);
        }
        into.Reshape(width, height, outChannels);
        if (!streamed && output.Length > 16 << 20) into.Shrink();
    }

    private static void AccumulateRow(ReadOnlySpan<byte> row, int[] sums, int width, int factor, int inChannels, int outChannels)
    {
        for (int x = 0; x < width; x++)
        {
            int s = x * factor * inChannels, o = x * outChannels;
            for (int dx = 0; dx < factor; dx++, s += inChannels)
                for (int c = 0; c < outChannels; c++) sums[o + c] += row[s + c];
        }
    }

    /// <summary>Premultiplied RGBA to RGB in place: keeping the premultiplied colour composites over black.</summary>
    private static void DropAlpha(byte[] pixels, int count)
    {
        for (int i = 0, o = 0; i < count; i++, o += 3)
        {
            int s = i * 4;
            pixels[o] = pixels[s];
            pixels[o + 1] = pixels[s + 1];
            pixels[o + 2] = pixels[s + 2];
        }
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the image data ends early (truncated file)",
        SKCodecResult.ErrorInInput => "the image data is corrupt",
        SKCodecResult.InvalidInput => "the image data is invalid",
        _ => $"the decoder reported {result}",
    };

    private static unsafe string DescribeUnknown(IntPtr bytes, int length)
    {
        var head = new ReadOnlySpan<byte>((void*)bytes, Math.Min(length, 64));
        if (head.Length > 3 && head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G')
            return "PNG header is damaged";
        if (head.Length > 1 && head[0] == 0xFF && head[1] == 0xD8) return "JPEG header is damaged";
        bool text = true;
        foreach (byte b in head) if (b < 9 || (b > 13 && b < 32 && b != 27)) { text = false; break; }
        if (text)
        {
            string start = System.Text.Encoding.UTF8.GetString(head[..Math.Min(head.Length, 24)]).ReplaceLineEndings(" ");
            return $"it is a text file starting \"{start}\", not a PNG, JPEG or BMP";
        }
        return "not a PNG, JPEG or BMP (unrecognised header)";
    }

    internal static ImageDataException Unreadable(ImageSource source, string reason, Exception? inner = null) =>
        new($"'{source.DisplayName}' is not a readable image ({reason}); fix or delete it, " +
            "or pass SkipUnreadableImages = true to train without it.", source.DisplayName, inner);
}
