using TransferLearning.ML.Data;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>Turns a loader batch into the network's input and target tensors (in the caller's dispose scope).</summary>
internal static class BatchTensors
{
    public static (Tensor Images, Tensor Labels) From(ImageBatch batch)
    {
        long perImage = (long)batch.Channels * batch.Height * batch.Width;
        long capacity = batch.Buffer.Length / perImage;
        // one copy per batch into libtorch memory: the loader reuses its buffer for a later batch
        Tensor images = tensor(batch.Buffer, [capacity, batch.Channels, batch.Height, batch.Width]);
        if (capacity != batch.Count) images = images.narrow(0, 0, batch.Count);
        return (images, LabelsOf(batch));
    }

    /// <summary>The batch's labels as an int64 tensor of its <see cref="ImageBatch.Count"/> images.</summary>
    public static Tensor LabelsOf(ImageBatch batch)
    {
        Tensor labels = tensor(batch.Labels, [batch.Labels.Length], ScalarType.Int64);
        return batch.Labels.Length != batch.Count ? labels.narrow(0, 0, batch.Count) : labels;
    }
}
