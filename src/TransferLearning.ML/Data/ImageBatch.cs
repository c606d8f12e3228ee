namespace TransferLearning.ML.Data;

/// <summary>
/// One batch of preprocessed images as N×C×H×W floats with their labels. The pixel buffer belongs to the loader
/// and is reused: it is valid only until the next batch is requested (copy it, e.g. into a tensor, before
/// moving on). <see cref="Labels"/> and <see cref="SampleIndices"/> are the caller's to keep.
/// </summary>
public sealed class ImageBatch
{
    internal ImageBatch(float[] buffer, int count, int channels, int height, int width, int[] labels, int[] sampleIndices, int index)
    {
        Buffer = buffer;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        Labels = labels;
        SampleIndices = sampleIndices;
        Index = index;
    }

    /// <summary>Exactly <c>Count · C · H · W</c> values, image-major, each image CHW.</summary>
    public ReadOnlyMemory<float> Pixels => Buffer.AsMemory(0, Count * Channels * Height * Width);

    /// <summary>
    /// The whole pooled buffer (may be longer than <see cref="Pixels"/> for a short last batch), for APIs that
    /// take an array; only the first <c>Count · C · H · W</c> values belong to this batch.
    /// </summary>
    public float[] Buffer { get; }

    /// <summary>Number of images in the batch.</summary>
    public int Count { get; }

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>The shape <c>[Count, Channels, Height, Width]</c>.</summary>
    public long[] Shape => [Count, Channels, Height, Width];

    /// <summary>Class label of each image.</summary>
    public int[] Labels { get; }

    /// <summary>Index into the dataset of each image.</summary>
    public int[] SampleIndices { get; }

    /// <summary>Position of this batch in its epoch, from 0.</summary>
    public int Index { get; }
}
