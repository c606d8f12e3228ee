using System.Collections.Concurrent;

namespace TransferLearning.ML.Data;

/// <summary>
/// Finished network inputs (resized, normalised CHW floats) by sample index, for loaders that never augment
/// (validation, test, un-augmented training): a later epoch copies the floats instead of resampling the image
/// again. Capped in bytes, first come first kept, like <see cref="DecodedImageCache"/>. Thread-safe.
/// </summary>
internal sealed class PreparedImageCache
{
    private readonly ConcurrentDictionary<int, float[]> _images = new();
    private readonly long _capacity;
    private long _bytes;

    public PreparedImageCache(long capacityBytes) => _capacity = capacityBytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool TryCopyTo(int index, Span<float> destination)
    {
        if (!_images.TryGetValue(index, out float[]? values)) return false;
        values.CopyTo(destination);
        return true;
    }

    /// <summary>Keeps a copy of <paramref name="values"/> if it fits.</summary>
    public void TryAdd(int index, ReadOnlySpan<float> values)
    {
        if (_capacity <= 0 || _images.ContainsKey(index)) return;
        long size = (long)values.Length * sizeof(float);
        long after = Interlocked.Add(ref _bytes, size);
        if (after > _capacity || !_images.TryAdd(index, values.ToArray()))
            Interlocked.Add(ref _bytes, -size);
    }
}
