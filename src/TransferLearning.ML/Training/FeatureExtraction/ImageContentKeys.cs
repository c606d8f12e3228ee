using System.Security.Cryptography;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>SHA-256 of each image's encoded bytes: the feature cache's key, so a renamed or moved image is still found.</summary>
internal static class ImageContentKeys
{
    /// <param name="dataset">The images.</param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <param name="tolerateUnreadable">Give an unreadable file a key no cache entry has (so the loader meets and
    /// skips it) instead of throwing.</param>
    public static string[] Compute(ImageDataset dataset, CancellationToken cancellationToken, bool tolerateUnreadable = false)
    {
        var keys = new string[dataset.Count];
        Parallel.For(0, dataset.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            ImageSource source = dataset.Samples[i].Source;
            if (source.IsInMemory)
            {
                keys[i] = Convert.ToHexStringLower(SHA256.HashData(source.Bytes.Span));
                return;
            }
            try
            {
                using var stream = File.OpenRead(source.Path!);
                keys[i] = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            catch (Exception e) when (tolerateUnreadable && e is IOException or UnauthorizedAccessException)
            {
                keys[i] = "unreadable:" + Guid.NewGuid().ToString("N");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ImageDataException($"{source.Path} cannot be read ({e.Message}); check that the file exists and is readable.", source.Path, e);
            }
        });
        return keys;
    }
}
