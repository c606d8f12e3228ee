using System.Collections.Concurrent;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Training;

/// <summary>The images a run left out because they could not be read, once each, in the order they were met.</summary>
internal sealed class SkippedFileLog
{
    private readonly ConcurrentDictionary<string, (long Order, SkippedFile File)> _files = new(StringComparer.Ordinal);
    private long _next;

    public void Add(SkippedFile file) => _files.TryAdd(file.Path, (Interlocked.Increment(ref _next), file));

    /// <summary>Collects what <paramref name="loader"/> skips.</summary>
    public ImageBatchLoader Watch(ImageBatchLoader loader)
    {
        loader.ImageSkipped += (_, file) => Add(file);
        return loader;
    }

    public bool Contains(string path) => _files.ContainsKey(path);

    public IReadOnlyList<SkippedFile> Files => _files.Values.OrderBy(v => v.Order).Select(v => v.File).ToArray();
}
