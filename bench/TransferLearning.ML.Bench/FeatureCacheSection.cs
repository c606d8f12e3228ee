using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 3: the on-disk feature cache. Two identical feature-extraction Fits with one fresh cache directory;
/// the ratio of their feature phases (<c>TrainingResult.Timings.FeatureExtraction</c>) shows what the cache saves.
/// </summary>
internal static class FeatureCacheSection
{
    /// <returns>The second run's model, reused by the predictor section (the caller disposes it).</returns>
    public static TransferModel Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("3. Feature cache (feature-extraction mode, kermany-cxr subset)",
            "run", "images", "from cache", "computed", "features s", "training s", "total s");
        int perClass = settings.Quick ? 40 : 200;
        var images = ImageDataset.FromFolder(settings.Dataset("kermany-cxr", "train"), new ImageDatasetOptions { MaxImagesPerClass = perClass, Seed = 2 });
        string cache = Directory.CreateTempSubdirectory("tl-bench-cache-").FullName;
        try
        {
            var learner = TransferLearner.For(Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx")))
                .WithImages(images)
                .Split(validation: 0.15, test: 0, seed: 1)
                .WithThreads(settings.Threads)
                .WithBootstrap(0)
                .ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = cache });
            TrainingResult first = learner.Fit();
            first.Model.Dispose();
            TrainingResult second = learner.Fit();
            foreach (var (name, result) in new[] { ("first (cold cache)", first), ("second (same cache)", second) })
                section.Row(name, images.Count, result.FeatureCache?.FromCache, result.FeatureCache?.Computed,
                    result.Timings.FeatureExtraction.TotalSeconds, result.Timings.Training.TotalSeconds, result.Timings.Total.TotalSeconds);
            double ratio = second.Timings.FeatureExtraction.TotalSeconds / first.Timings.FeatureExtraction.TotalSeconds;
            report.Set("featureCache.secondToFirstEpochTimeRatio", ratio);
            report.Set("featureCache.firstFeatureSeconds", first.Timings.FeatureExtraction.TotalSeconds);
            report.Set("featureCache.secondFeatureSeconds", second.Timings.FeatureExtraction.TotalSeconds);
            report.Set("featureCache.images", images.Count);
            section.Note($"second / first feature-phase time: {ratio:F4} (features of train + validation images; default FeatureExtractionOptions " +
                         "except a fresh CacheDirectory).");
            return second.Model;
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
}
