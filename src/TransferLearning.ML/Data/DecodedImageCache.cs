using System.Collections.Concurrent;

namespace TransferLearning.ML.Data;

/// <summary>
/// Decoded images by sample index, capped in bytes, first come first kept: once full nothing is added or evicted,
/// so the same images stay hot every epoch (a shuffled epoch touches every image once, which defeats LRU).
/// Thread-safe.
/// </summary>
internal sealed class DecodedImageCache
{
    private readonly ConcurrentDictionary<int, DecodedImage> _images = new();
    private readonly long _capacity;
    private long _bytes;

    public DecodedImageCache(long capacityBytes) => _capacity = capacityBytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _images.Count;

    public bool TryGet(int index, out DecodedImage image) => _images.TryGetValue(index, out image!);

    /// <summary>Keeps a copy of <paramref name="image"/> if it fits.</summary>
    public void TryAdd(int index, DecodedImage image)
    {
        if (_capacity <= 0 || _images.ContainsKey(index)) return;
        long size = image.Length;
        long after = Interlocked.Add(ref _bytes, size);
        if (after > _capacity || !_images.TryAdd(index, image.Clone()))
            Interlocked.Add(ref _bytes, -size);
    }
}
