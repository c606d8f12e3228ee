namespace TransferLearning.ML.Data;

/// <summary>
/// Decoded 8-bit pixels, row-major and interleaved: 1 channel (gray) or 3 (RGB). The pixel buffer is reused by the
/// next decode into the same instance and may be longer than <see cref="Length"/>; copy with
/// <see cref="Clone"/> to keep an image.
/// </summary>
internal sealed class DecodedImage
{
    private byte[] _pixels;

    /// <summary>An empty image whose buffer grows on demand.</summary>
    public DecodedImage() => _pixels = [];

    /// <summary>An image over the given pixels (not copied).</summary>
    /// <exception cref="ArgumentException">The sizes do not match the buffer or channels is not 1 or 3.</exception>
    public DecodedImage(int width, int height, int channels, byte[] pixels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException("Channels must be 1 (gray) or 3 (RGB).", nameof(channels));
        if (width < 1 || height < 1 || (long)width * height * channels > pixels.Length)
            throw new ArgumentException($"A {width}×{height}×{channels} image does not fit {pixels.Length} bytes.", nameof(pixels));
        _pixels = pixels;
        Width = width;
        Height = height;
        Channels = channels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; private set; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; private set; }

    /// <summary>1 for gray, 3 for RGB.</summary>
    public int Channels { get; private set; }

    /// <summary>The width and height of the encoded image before any reduced-scale decoding.</summary>
    public (int Width, int Height) OriginalSize { get; internal set; }

    /// <summary>Bytes in use: <c>Width · Height · Channels</c>.</summary>
    public int Length => Width * Height * Channels;

    /// <summary>The pixels in use.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels.AsSpan(0, Length);

    /// <summary>The whole (possibly longer) reusable buffer.</summary>
    internal byte[] Buffer => _pixels;

    /// <summary>The value of channel <paramref name="channel"/> at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte this[int x, int y, int channel = 0] => _pixels[(y * Width + x) * Channels + channel];

    /// <summary>A copy holding exactly <see cref="Length"/> bytes.</summary>
    public DecodedImage Clone() =>
        new(Width, Height, Channels, Pixels.ToArray()) { OriginalSize = OriginalSize };

    /// <summary>Sets the shape and makes sure the buffer holds at least <paramref name="capacity"/> bytes.</summary>
    internal void Reset(int width, int height, int channels, long capacity)
    {
        if (capacity > Array.MaxLength)
            throw new InvalidOperationException($"A {width}×{height} image needs {capacity} bytes, more than an array can hold.");
        if (_pixels.Length < capacity) _pixels = GC.AllocateUninitializedArray<byte>((int)capacity, pinned: true);
        Width = width;
        Height = height;
        Channels = channels;
    }

    /// <summary>Changes the shape without touching the buffer (after in-place conversions).</summary>
    internal void Reshape(int width, int height, int channels)
    {
        Width = width;
        Height = height;
        Channels = channels;
    }

    /// <summary>Gives back a buffer much larger than the image (after a huge image was reduced in place).</summary>
    internal void Shrink()
    {
        if (_pixels.Length <= 4L * Length) return;
        byte[] exact = GC.AllocateUninitializedArray<byte>(Length, pinned: true);
        Pixels.CopyTo(exact);
        _pixels = exact;
    }

    /// <summary>
    /// After a large image: replaces a buffer of more than <paramref name="bytes"/> by one of exactly
    /// <see cref="Length"/> bytes when the image in use needs less than a quarter of it (or drops it when empty).
    /// </summary>
    internal void ShrinkIfLarger(int bytes)
    {
        if (_pixels.Length <= bytes) return;
        if (Length == 0) { _pixels = []; return; }
        Shrink();
    }

    /// <summary>Drops a scratch buffer larger than <paramref name="bytes"/> (its contents are not needed).</summary>
    internal void ReleaseIfLarger(int bytes)
    {
        if (_pixels.Length <= bytes) return;
        _pixels = [];
        Width = Height = Channels = 0;
    }

    /// <summary>Swaps buffers with <paramref name="other"/> (for out-of-place steps without allocation).</summary>
    internal void SwapBuffers(DecodedImage other) => (_pixels, other._pixels) = (other._pixels, _pixels);
}
