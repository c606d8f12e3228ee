using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Onnx.Module;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Training;

/// <summary>An augmented feature view depends on (seed, view, image), not on which images were already cached (issue #17).</summary>
public sealed class AugmentedFeatureViewTests : IDisposable
{
    private const int Size = 16;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tl-views-" + Guid.NewGuid().ToString("N"));

    /// <summary>The identity backbone: the features are the preprocessed (augmented) pixels themselves.</summary>
    private static OnnxModel PixelBackbone()
    {
        ModelProto model = new TinyGraph([1, 3, Size, Size]).Node("Flatten", ["x"], "y", ("axis", 1L)).Model;
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 3 * Size * Size });
        model.Graph.Output[0].Type.TensorType.Shape = shape;
        return OnnxModel.FromBytes(model.ToByteArray());
    }

    private static ImageDataset Images() => ImageDataset.FromMemory(Enumerable.Range(0, 8).Select(i =>
        ($"img{i}.png", EncodedImages.Skia(24, 20, (x, y) => new SKColor((byte)(x * 10 + i * 7), (byte)(y * 12), (byte)(x * y + i))),
            i % 2 == 0 ? "a" : "b")));

    private FeatureMatrix Extract(ImageDataset images, string cacheRoot)
    {
        using var ort = new OnnxRuntimeFeatureExtractor(PixelBackbone());
        var cache = new FeatureCache(cacheRoot, "backbone", "pixels", "y", ort.FeatureLength);
        var augmentation = new AugmentationPipeline(new Rotation(20), new Zoom(0.8, 1.2), new HorizontalFlip(), new Brightness(0.2));
        var preprocessing = new ImagePreprocessing { Width = Size, Height = Size };
        var extractor = new FeatureExtractor(ort, cache, preprocessing, batchSize: 3, seed: 5, NullLogger.Instance,
            new BatchLoaderOptions { WorkerCount = 2 });
        return extractor.Extract(images, views: 3, augmentation, "train", null, CancellationToken.None);
    }

    [Fact]
    public void Views_of_uncached_images_match_a_cold_run_whichever_images_were_cached()
    {
        ImageDataset images = Images();
        FeatureMatrix cold = Extract(images, Path.Combine(_root, "cold"));

        // a warm cache holding only the odd images (all views), extracted first as their own dataset
        string warm = Path.Combine(_root, "warm");
        Extract(images.Subset(Enumerable.Range(0, images.Count).Where(i => i % 2 == 1).ToList()), warm);
        FeatureMatrix resumed = Extract(images, warm);

        int width = cold.Width;
        for (int view = 0; view < 3; view++)
            for (int i = 0; i < images.Count; i++)
            {
                var expected = cold.Values.AsSpan((view * images.Count + i) * width, width).ToArray();
                var actual = resumed.Values.AsSpan((view * images.Count + i) * width, width).ToArray();
                Assert.True(expected.SequenceEqual(actual), $"view {view} of image {i} differs from the cold run");
            }
        // and the augmented views do differ from the plain one
        Assert.False(cold.Values.AsSpan(0, width).SequenceEqual(cold.Values.AsSpan(images.Count * width, width)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
