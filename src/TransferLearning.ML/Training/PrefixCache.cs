using System.Runtime.InteropServices;
using TransferLearning.ML.Data;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// The frozen prefix's output per image, kept in memory (issue 15, part 2): without augmentation the boundary
/// tensor of an image is the same every epoch, so the first epoch of a phase computes it (loader, then ONNX Runtime)
/// and keeps it, and the later epochs train the trainable part on the kept tensors in the loader's own batch order
/// (<see cref="ImageBatchLoader.EpochOrder"/>), reading no image. Results are those of the uncached split run.
/// </summary>
internal sealed class PrefixCache
{
    private readonly float[] _values;
    private readonly bool[] _filled;
    private readonly int[] _labels;
    private readonly long[] _shape;
    private readonly int _perImage;
    private readonly int _batchSize;
    private bool _complete;

    private PrefixCache(int samples, long[] shape, int perImage, int batchSize)
    {
        _values = GC.AllocateUninitializedArray<float>(checked(samples * perImage));
        _filled = new bool[samples];
        _labels = new int[samples];
        _shape = shape;
        _perImage = perImage;
        _batchSize = batchSize;
    }

    /// <summary>Bytes the cache holds for <paramref name="samples"/> images of this boundary shape.</summary>
    public static long BytesFor(int samples, long[] boundaryShape) => samples * boundaryShape.Aggregate(1L, (a, b) => a * b) * sizeof(float);

    /// <summary>A cache for a loader's images (all of them, or none: null when <see cref="BytesFor"/> is above
    /// int.MaxValue floats).</summary>
    public static PrefixCache? TryCreate(ImageBatchLoader loader, int samples, long[] boundaryShape)
    {
        long perImage = boundaryShape.Aggregate(1L, (a, b) => a * b);
        if (perImage <= 0 || perImage * samples > Array.MaxLength) return null;
        return new PrefixCache(samples, boundaryShape, (int)perImage, loader.Options.BatchSize);
    }

    /// <summary>One batch of an epoch: the loader's batch on the first pass, else the samples to take from the cache.</summary>
    public readonly record struct Item(ImageBatch? Images, int[] Samples)
    {
        public int Count => Samples.Length;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>: through the loader until one pass has filled the cache, then
    /// from the cache in the order the loader would visit (images the loader skipped as unreadable stay out).
    /// </summary>
    public IEnumerable<Item> Epoch(ImageBatchLoader loader, int epoch, CancellationToken cancellationToken)
    {
        if (!_complete)
        {
            foreach (ImageBatch batch in loader.ReadEpoch(epoch, cancellationToken))
                yield return new Item(batch, batch.SampleIndices.AsSpan(0, batch.Count).ToArray());
            _complete = true;
            yield break;
        }
        int[] order = loader.EpochOrder(epoch);
        for (int start = 0; start < order.Length; start += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] samples = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray().Where(s => _filled[s]).ToArray();
            if (samples.Length > 0) yield return new Item(null, samples);
        }
    }

    /// <summary>Whether one pass has filled the cache (the later epochs read no image).</summary>
    public bool IsComplete => _complete;

    /// <summary>
    /// The first pass with the prefix pipelined (<see cref="PrefixPipeline"/>): each batch's boundary is kept as the
    /// producer computes it, and the cache is complete once the pass has run to its end.
    /// </summary>
    public IEnumerable<PrefixPipeline.Item> FirstPassPipelined(ImageBatchLoader loader, int epoch, FrozenPrefix prefix, int depth,
        CancellationToken cancellationToken)
    {
        if (_complete) throw new InvalidOperationException("The prefix cache is filled already.");
        foreach (var item in PrefixPipeline.Run(loader.ReadEpoch(epoch, cancellationToken), prefix, depth, Keep, cancellationToken))
            yield return item;
        _complete = true;
    }

    // one computed batch into the cache
    private void Keep(ImageBatch batch, Tensor computed)
    {
        ReadOnlySpan<float> rows = MemoryMarshal.Cast<byte, float>(computed.bytes);
        for (int i = 0; i < batch.Count; i++)
        {
            int sample = batch.SampleIndices[i];
            rows.Slice(i * _perImage, _perImage).CopyTo(_values.AsSpan(sample * _perImage, _perImage));
            _labels[sample] = batch.Labels[i];
            _filled[sample] = true;
        }
    }

    /// <summary>
    /// The batch's boundary tensor (in the caller's dispose scope): computed by <paramref name="prefix"/> and kept on
    /// the first pass, copied from the cache afterwards (one copy, into libtorch memory).
    /// </summary>
    public Tensor BoundaryOf(Item item, FrozenPrefix prefix)
    {
        if (item.Images is { } batch)
        {
            var (images, _) = BatchTensors.From(batch);
            Tensor computed;
            using (no_grad()) computed = prefix.Run(images);
            Keep(batch, computed);
            return computed;
        }
        Tensor boundary = empty([item.Count, .. _shape], ScalarType.Float32);
        Span<float> target = MemoryMarshal.Cast<byte, float>(boundary.bytes);
        for (int i = 0; i < item.Count; i++)
            _values.AsSpan(item.Samples[i] * _perImage, _perImage).CopyTo(target.Slice(i * _perImage, _perImage));
        return boundary;
    }

    /// <summary>The batch's labels, in its order.</summary>
    public int[] LabelsOf(Item item) => item.Images is { } batch ? batch.Labels.AsSpan(0, batch.Count).ToArray()
        : item.Samples.Select(s => _labels[s]).ToArray();
}
