using System.Collections.Concurrent;
using TransferLearning.ML.Data;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// Pipelined split execution (issue 15, part 3): a producer thread reads the loader's batches and runs the frozen
/// prefix in ONNX Runtime on them, at most <c>depth</c> batches ahead, while the caller trains the TorchSharp part
/// on the batches already done. Each batch's computation is the unpipelined one (ONNX Runtime reads the loader's
/// buffer and writes a new boundary tensor; no random number is drawn on the producer), only when it runs changes.
/// </summary>
internal static class PrefixPipeline
{
    /// <summary>One batch with its boundary tensor, computed on the producer. The consumer owns the tensor:
    /// <see cref="Take"/> moves it into the consumer's dispose scope.</summary>
    public sealed class Item
    {
        private Tensor? _boundary;

        internal Item(Tensor boundary, int[] labels, int[] samples, ImageBatch? batch)
        {
            _boundary = boundary;
            Labels = labels;
            Samples = samples;
            Batch = batch;
        }

        public int[] Labels { get; }

        public int[] Samples { get; }

        public int Count => Samples.Length;

        /// <summary>The loader's batch, for an observer that runs on the producer (null once handed over).</summary>
        internal ImageBatch? Batch { get; }

        /// <summary>The boundary tensor as a view in the caller's dispose scope (the producer's handle is released;
        /// the view keeps the memory until the scope ends). Once only.</summary>
        public Tensor Take()
        {
            Tensor boundary = _boundary ?? throw new InvalidOperationException("The boundary tensor was taken already.");
            _boundary = null;
            using (boundary) return boundary.narrow(0, 0, boundary.shape[0]);
        }

        internal void Release()
        {
            _boundary?.Dispose();
            _boundary = null;
        }
    }

    /// <summary>
    /// The batches of <paramref name="batches"/> with their boundary tensors, the prefix running ahead on its own
    /// thread. <paramref name="computed"/> (optional) sees each loader batch and its boundary on the producer, before
    /// the loader reuses the batch's buffer. Leaving the loop early stops the producer and frees what it had made;
    /// an exception on the producer is rethrown to the caller.
    /// </summary>
    public static IEnumerable<Item> Run(IEnumerable<ImageBatch> batches, FrozenPrefix prefix, int depth,
        Action<ImageBatch, Tensor>? computed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<Item>(depth);
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                foreach (ImageBatch batch in batches)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    Tensor boundary;
                    using (no_grad()) boundary = prefix.Run(batch.Buffer.AsSpan(0, batch.Count * batch.Channels * batch.Height * batch.Width), batch.Count);
                    var item = new Item(boundary, batch.Labels.AsSpan(0, batch.Count).ToArray(), batch.SampleIndices.AsSpan(0, batch.Count).ToArray(), null);
                    try
                    {
                        computed?.Invoke(batch, boundary);
                        queue.Add(item, stop.Token);
                    }
                    catch
                    {
                        item.Release();
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the consumer left early or the caller cancelled: the consumer side reports it
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "frozen prefix (ONNX Runtime)",
        };
        producer.Start();
        try
        {
            foreach (Item item in queue.GetConsumingEnumerable(cancellationToken))
                yield return item;
        }
        finally
        {
            stop.Cancel();
            producer.Join();
            while (queue.TryTake(out Item? left)) left.Release();
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        cancellationToken.ThrowIfCancellationRequested();
    }
}
