using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace TransferLearning.ML.Data;

/// <summary>
/// Per-sample images kept in memory between epochs by an <see cref="ImageBatchLoader"/>: decoded images (when the
/// loader augments) or finished input floats (when it does not). Capped in bytes, first come first kept: once full
/// nothing is added or evicted, so the same images stay hot every epoch (a shuffled epoch touches every image once,
/// which defeats LRU). Thread-safe.
/// </summary>
/// <typeparam name="T">What is kept per sample.</typeparam>
internal sealed class ImageCache<T>(long capacityBytes) where T : class
{
    private readonly ConcurrentDictionary<int, T> _items = new();
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool TryGet(int index, [MaybeNullWhen(false)] out T value) => _items.TryGetValue(index, out value);

    /// <summary>Keeps <paramref name="copy"/>(<paramref name="state"/>) under <paramref name="index"/> if <paramref name="size"/> more bytes fit; the copy is made only then.</summary>
    public void TryAdd<TState>(int index, long size, TState state, Func<TState, T> copy)
    {
        if (capacityBytes <= 0 || _items.ContainsKey(index)) return;
        if (Interlocked.Add(ref _bytes, size) > capacityBytes || !_items.TryAdd(index, copy(state)))
            Interlocked.Add(ref _bytes, -size);
    }
}
