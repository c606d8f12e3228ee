using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// Frozen-backbone features of a dataset, from the on-disk cache where present and through ONNX Runtime for the
/// rest (written to the cache as they are computed). View 0 is the plain image; views 1..K are augmented with the
/// pipeline, seeded per (seed, view, image content): an image's views do not depend on which other images were
/// already cached, so warm-cache, cold-cache and resumed runs compute the same features.
/// </summary>
internal sealed class FeatureExtractor(OnnxRuntimeFeatureExtractor extractor, FeatureCache cache, ImagePreprocessing preprocessing,
    int batchSize, int seed, ILogger logger, BatchLoaderOptions? loaderOptions = null, SkippedFileLog? skipped = null)
{
    public int Width => extractor.FeatureLength;

    /// <summary>Counts of the last <see cref="Extract"/>: vectors read from the cache and computed.</summary>
    public (int FromCache, int Computed) LastCounts { get; private set; }

    /// <summary>
    /// Features of every image of <paramref name="dataset"/>; with <see cref="BatchLoaderOptions.SkipUnreadableImages"/>
    /// an image that cannot be read (in any view) is left out of the matrix and recorded in the run's skipped files.
    /// </summary>
    public FeatureMatrix Extract(ImageDataset dataset, int views, AugmentationPipeline? augmentation, string splitName,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var unreadable = new HashSet<int>();
        int width = extractor.FeatureLength;
        var values = new float[(long)views * dataset.Count * width];
        var labels = dataset.Samples.Select(s => s.Label).ToArray();
        string[] keys = ImageContentKeys.Compute(dataset, cancellationToken, loaderOptions?.SkipUnreadableImages == true);
        ulong[] identities = keys.Select(Identity).ToArray();
        int fromCache = 0, computed = 0;
        var clock = Stopwatch.StartNew();

        for (int view = 0; view < views; view++)
        {
            var missing = new List<int>();
            for (int i = 0; i < dataset.Count; i++)
            {
                if (cache.TryRead(keys[i], view, values.AsSpan((view * dataset.Count + i) * width, width))) fromCache++;
                else missing.Add(i);
            }
            if (missing.Count == 0) continue;

            var subset = dataset.Subset(missing);
            using var loader = new ImageBatchLoader(subset, preprocessing, (loaderOptions ?? new BatchLoaderOptions()) with
            {
                BatchSize = batchSize, Seed = seed, Augmentation = view == 0 ? null : augmentation, Shuffle = false,
                DecodedCacheBytes = 0, AugmentationIdentities = missing.Select(i => identities[i]).ToArray(),
            }, logger);
            loader.ImageSkipped += (_, file) =>
            {
                skipped?.Add(file);
                int sample = missing[subset.Samples.Select((s, k) => (s, k)).First(p => p.s.Source.DisplayName == file.Path).k];
                lock (unreadable) unreadable.Add(sample);
            };
            var features = new float[batchSize * width];
            int done = 0, batches = loader.Count, batchNumber = 0;
            // the view number is the loader's epoch, so each augmented view draws other transforms
            foreach (var batch in loader.ReadEpoch(view, cancellationToken))
            {
                extractor.Extract(batch.Buffer.AsSpan(0, batch.Count * preprocessing.ValuesPerImage), batch.Count,
                    features.AsSpan(0, batch.Count * width), cancellationToken);
                for (int j = 0; j < batch.Count; j++)
                {
                    int sample = missing[batch.SampleIndices[j]];
                    var row = features.AsSpan(j * width, width);
                    row.CopyTo(values.AsSpan((view * dataset.Count + sample) * width, width));
                    cache.Write(keys[sample], view, row);
                }
                done += batch.Count;
                computed += batch.Count;
                progress?.Report(new TrainingProgress($"extract {splitName}", 0, 0, ++batchNumber, batches, double.NaN,
                    done / Math.Max(1e-9, clock.Elapsed.TotalSeconds), TimeSpan.Zero, null));
            }
        }
        LastCounts = (fromCache, computed);
        if (unreadable.Count > 0)
        {
            int[] kept = Enumerable.Range(0, dataset.Count).Where(i => !unreadable.Contains(i)).ToArray();
            var compact = new float[(long)views * kept.Length * width];
            for (int view = 0; view < views; view++)
                for (int j = 0; j < kept.Length; j++)
                    values.AsSpan((view * dataset.Count + kept[j]) * width, width).CopyTo(compact.AsSpan((view * kept.Length + j) * width, width));
            logger.LogWarning("Features of {Split}: {Count} unreadable image(s) left out", splitName, unreadable.Count);
            return new FeatureMatrix(compact, kept.Select(i => labels[i]).ToArray(), kept.Length, width, views);
        }
        logger.LogInformation("Features of {Split}: {Cached} from cache, {Computed} computed ({Views} view(s) per image) in {Seconds:F1}s",
            splitName, fromCache, computed, views, clock.Elapsed.TotalSeconds);
        return new FeatureMatrix(values, labels, dataset.Count, width, views);
    }

    /// <summary>The augmentation identity of an image: 64 bits of the hash of its cache key (its content hash).</summary>
    internal static ulong Identity(string key) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
}
