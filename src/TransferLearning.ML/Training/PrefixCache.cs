using System.Runtime.InteropServices;
using TransferLearning.ML.Data;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// The frozen prefix's output per image, kept in memory (issue 15, part 2): without augmentation the boundary
/// tensor of an image is the same every epoch, so the first epoch of a phase computes it (loader, then ONNX Runtime)
/// and keeps it, and the later epochs train the trainable part on the kept tensors in the loader's own batch order
/// (<see cref="ImageBatchLoader.EpochOrder"/>), reading no image. Results are those of the uncached split run.
/// With augmentation (<see cref="FineTuneOptions.CachedAugmentedViews"/> = K, part 2b) it holds K views: epoch e
/// of the phase uses view e mod K, filled by the phase's first K epochs from their own augmented images and reused
/// by the later ones. Each view lives in a <see cref="BoundaryStore"/>: memory, or a scratch file where the memory
/// budget is too small.
/// </summary>
internal sealed class PrefixCache : IDisposable
{
    private readonly BoundaryStore[] _values;
    private readonly bool[][] _filled;
    private readonly bool[] _complete;
    private readonly int[] _labels;
    private readonly long[] _shape;
    private readonly int _perImage;
    private readonly int _batchSize;

    private PrefixCache(BoundaryStore[] stores, int samples, long[] shape, int perImage, int batchSize)
    {
        int views = stores.Length;
        _values = stores;
        _filled = Enumerable.Range(0, views).Select(_ => new bool[samples]).ToArray();
        _complete = new bool[views];
        _labels = new int[samples];
        _shape = shape;
        _perImage = perImage;
        _batchSize = batchSize;
    }

    /// <summary>Views of every image the cache holds (1 without augmentation).</summary>
    public int Views => _values.Length;

    /// <summary>Bytes the cache holds for <paramref name="samples"/> images of this boundary shape.</summary>
    public static long BytesFor(int samples, long[] boundaryShape) => samples * boundaryShape.Aggregate(1L, (a, b) => a * b) * sizeof(float);

    /// <summary>A cache of <paramref name="views"/> views of a loader's images in the stores <paramref name="store"/>
    /// makes from (images, floats per image); null when it makes none for a view.</summary>
    public static PrefixCache? TryCreate(ImageBatchLoader loader, int samples, long[] boundaryShape, int views, Func<int, long, BoundaryStore?> store)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(views, 1);
        long perImage = boundaryShape.Aggregate(1L, (a, b) => a * b);
        if (perImage <= 0 || perImage > int.MaxValue) return null;
        var stores = new List<BoundaryStore>();
        for (int v = 0; v < views; v++)
        {
            if (store(samples, perImage) is { } made) stores.Add(made);
            else
            {
                foreach (var s in stores) s.Dispose();
                return null;
            }
        }
        return new PrefixCache(stores.ToArray(), samples, boundaryShape, (int)perImage, loader.Options.BatchSize);
    }

    /// <summary>Releases the views (a scratch file is deleted).</summary>
    public void Dispose()
    {
        foreach (var store in _values) store.Dispose();
    }

    /// <summary>The view that epoch <paramref name="phaseEpoch"/> (0-based, within its phase) trains on.</summary>
    public int ViewOf(int phaseEpoch) => phaseEpoch % Views;

    /// <summary>One batch of an epoch: the loader's batch on the pass that fills the view, else the samples to take from it.</summary>
    public readonly record struct Item(ImageBatch? Images, int[] Samples, int View)
    {
        public int Count => Samples.Length;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/> on view <paramref name="view"/>: through the loader until one
    /// pass has filled the view, then from the view in the order the loader would visit (images the loader skipped
    /// as unreadable stay out).
    /// </summary>
    public IEnumerable<Item> Epoch(ImageBatchLoader loader, int epoch, CancellationToken cancellationToken, int view = 0)
    {
        if (!_complete[view])
        {
            foreach (ImageBatch batch in loader.ReadEpoch(epoch, cancellationToken))
                yield return new Item(batch, batch.SampleIndices.AsSpan(0, batch.Count).ToArray(), view);
            _complete[view] = true;
            yield break;
        }
        int[] order = loader.EpochOrder(epoch);
        bool[] filled = _filled[view];
        for (int start = 0; start < order.Length; start += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] samples = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray().Where(s => filled[s]).ToArray();
            if (samples.Length > 0) yield return new Item(null, samples, view);
        }
    }

    /// <summary>Whether one pass has filled view <paramref name="view"/> (the epochs on it read no image).</summary>
    public bool IsComplete(int view = 0) => _complete[view];

    /// <summary>
    /// The pass that fills view <paramref name="view"/>, with the prefix pipelined (<see cref="PrefixPipeline"/>):
    /// each batch's boundary is kept as the producer computes it, and the view is complete once the pass has run to
    /// its end.
    /// </summary>
    public IEnumerable<PrefixPipeline.Item> FirstPassPipelined(ImageBatchLoader loader, int epoch, FrozenPrefix prefix, int depth,
        CancellationToken cancellationToken, int view = 0)
    {
        if (_complete[view]) throw new InvalidOperationException($"View {view} of the prefix cache is filled already.");
        foreach (var item in PrefixPipeline.Run(loader.ReadEpoch(epoch, cancellationToken), prefix, depth, (b, t) => Keep(view, b, t), cancellationToken))
            yield return item;
        _complete[view] = true;
    }

    // one computed batch into a view
    private void Keep(int view, ImageBatch batch, Tensor computed)
    {
        ReadOnlySpan<float> rows = MemoryMarshal.Cast<byte, float>(computed.bytes);
        BoundaryStore values = _values[view];
        bool[] filled = _filled[view];
        for (int i = 0; i < batch.Count; i++)
        {
            int sample = batch.SampleIndices[i];
            values.Write(sample, rows.Slice(i * _perImage, _perImage));
            _labels[sample] = batch.Labels[i];
            filled[sample] = true;
        }
    }

    /// <summary>
    /// The batch's boundary tensor (in the caller's dispose scope): computed by <paramref name="prefix"/> and kept on
    /// the pass that fills the view, copied from the view afterwards (one copy, into libtorch memory).
    /// </summary>
    public Tensor BoundaryOf(Item item, FrozenPrefix prefix)
    {
        if (item.Images is { } batch)
        {
            Tensor computed;
            using (no_grad()) computed = prefix.Run(batch.Buffer.AsSpan(0, batch.Count * batch.Channels * batch.Height * batch.Width), batch.Count);
            Keep(item.View, batch, computed);
            return computed;
        }
        Tensor boundary = empty([item.Count, .. _shape], ScalarType.Float32);
        Span<float> target = MemoryMarshal.Cast<byte, float>(boundary.bytes);
        BoundaryStore values = _values[item.View];
        for (int i = 0; i < item.Count; i++)
            values.Read(item.Samples[i], target.Slice(i * _perImage, _perImage));
        return boundary;
    }

    /// <summary>The batch's labels, in its order.</summary>
    public int[] LabelsOf(Item item) => item.Images is { } batch ? batch.Labels.AsSpan(0, batch.Count).ToArray()
        : item.Samples.Select(s => _labels[s]).ToArray();
}
