using TransferLearning.ML.Data;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>Class probabilities of a network over every image a loader yields, in the loader's order.</summary>
internal sealed record NetworkPredictions(int[] Labels, float[,] Probabilities, int[] SampleIndices)
{
    public static NetworkPredictions Run(nn.Module<Tensor, Tensor> network, ImageBatchLoader loader, int classes, int count,
        CancellationToken cancellationToken)
    {
        network.eval();
        return Collect(loader.ReadEpoch(0, cancellationToken).Select(batch => new Batch(
            () => network.forward(BatchTensors.From(batch).Images), batch.Labels, batch.SampleIndices, batch.Count)), classes, count, cancellationToken);
    }

    /// <summary>One batch: its logits (computed in the caller's dispose scope, under no_grad), labels and sample indices.</summary>
    public sealed record Batch(Func<Tensor> Logits, int[] Labels, int[] SampleIndices, int Count);

    /// <summary>The probabilities of batches whose logits a caller computes (the network in eval mode).</summary>
    public static NetworkPredictions Collect(IEnumerable<Batch> batches, int classes, int count, CancellationToken cancellationToken)
    {
        var labels = new int[count];
        var indices = new int[count];
        var probabilities = new float[count, classes];
        int filled = 0;
        using (no_grad())
        {
            foreach (Batch batch in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                float[] batchProbabilities = nn.functional.softmax(batch.Logits(), 1).data<float>().ToArray();
                for (int i = 0; i < batch.Count; i++, filled++)
                {
                    labels[filled] = batch.Labels[i];
                    indices[filled] = batch.SampleIndices[i];
                    for (int k = 0; k < classes; k++) probabilities[filled, k] = batchProbabilities[i * classes + k];
                }
            }
        }
        if (filled != count) return Trim(labels, probabilities, indices, filled, classes); // unreadable images skipped
        return new NetworkPredictions(labels, probabilities, indices);
    }

    private static NetworkPredictions Trim(int[] labels, float[,] probabilities, int[] indices, int filled, int classes)
    {
        var p = new float[filled, classes];
        for (int i = 0; i < filled; i++)
            for (int k = 0; k < classes; k++) p[i, k] = probabilities[i, k];
        return new NetworkPredictions(labels[..filled], p, indices[..filled]);
    }
}
