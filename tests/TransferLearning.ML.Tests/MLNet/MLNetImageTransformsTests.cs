using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Reporting.Plots;

namespace TransferLearning.ML.Tests.MLNet;

/// <summary>
/// ML.NET's own image transforms (LoadImages → ResizeImages → ExtractPixels) in a process that uses this library:
/// the test project references the package's project, so it has the dependency graph an application referencing
/// the package gets (one SkiaSharp for ML.NET's image code and the library's decoding and plots). The pixels ML.NET
/// extracts are compared with the library's own decode of the same files.
/// </summary>
public sealed class MLNetImageTransformsTests
{
    private const string Kermany = "datasets/kermany-cxr/train/NORMAL";
    private const string Retina = "datasets/retinamnist/train/0-no-dr";
    private const string Pneumonia = "datasets/pneumoniamnist/train/normal";
    private const string Photos = "models/imagenet-samples";

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    public sealed class PixelRow
    {
        [ColumnName("Pixels")]
        public float[] Pixels { get; set; } = [];
    }

    /// <summary>ML.NET's R, G and B planes (0–255) of each image, resized to width × height.</summary>
    private static float[][] ExtractWithMLNet(IReadOnlyList<string> paths, int width, int height, ImageResizingEstimator.ResizingKind resizing)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(paths.Select(p => new ImagePath { Path = p }));
        var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImagePath.Path))
            .Append(mlContext.Transforms.ResizeImages("Image", width, height, "Image", resizing))
            .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image", interleavePixelColors: false));
        var transformed = pipeline.Fit(data).Transform(data);
        return [.. mlContext.Data.CreateEnumerable<PixelRow>(transformed, reuseRowObject: false).Select(r => r.Pixels)];
    }

    /// <summary>The library's pixel (x, y) of channel c (R, G, B), gray images giving the same value for all three.</summary>
    private static byte Library(DecodedImage image, int x, int y, int c) => image[x, y, image.Channels == 1 ? 0 : c];

    private static string[] FirstFiles(string relativeFolder, int count) =>
        [.. Directory.GetFiles(RepositoryPaths.SharedDataset(relativeFolder["datasets/".Length..])).Order(StringComparer.Ordinal).Take(count)];

    private static void AssertLibraryAlsoRenders()
    {
        // a plot and a report-style PNG drawn by the library in the same process as ML.NET's image code
        var metrics = MetricsCalculator.Compute([0, 1, 1, 0], new float[,] { { 0.8f, 0.2f }, { 0.3f, 0.7f }, { 0.4f, 0.6f }, { 0.6f, 0.4f } },
            ["a", "b"], new MetricsOptions { BootstrapSamples = 0 });
        byte[] png = RocCurvePlot.Render(metrics, 300, 200);
        var decoded = new DecodedImage();
        new ImageDecoder().Decode(ImageSource.FromBytes(png, "roc.png"), decoded);
        Assert.Equal((300, 200), (decoded.Width, decoded.Height));
    }

    [SharedTheory(Kermany, Retina, Pneumonia, Photos)]
    [InlineData(Kermany)]   // 224×224 JPEG
    [InlineData(Retina)]    // 28×28 RGB PNG
    [InlineData(Pneumonia)] // 28×28 gray PNG
    [InlineData(Photos)]    // 512×340–343 RGB PNG photos
    public void LoadImages_ResizeImages_ExtractPixels_give_the_pixels_the_library_decodes(string folder)
    {
        string[] paths = folder == Photos
            ? [.. Directory.GetFiles(Path.Combine(RepositoryPaths.Shared, Photos), "*.png").Order(StringComparer.Ordinal)]
            : FirstFiles(folder, 3);
        AssertLibraryAlsoRenders();

        foreach (string path in paths)
        {
            var image = ImageDecoder.DecodeFile(path);
            int w = image.Width, h = image.Height;
            // resizing to the image's own size keeps every pixel
            float[] planes = Assert.Single(ExtractWithMLNet([path], w, h, ImageResizingEstimator.ResizingKind.Fill));
            Assert.Equal(3 * w * h, planes.Length);
            int differing = 0;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        if (planes[(c * h + y) * w + x] != Library(image, x, y, c)) differing++;
            Assert.True(differing == 0, $"{Path.GetFileName(path)}: {differing} of {3 * w * h} values differ from the library's decode");
        }
    }

    [SharedFact(Retina)]
    public void ResizeImages_to_twice_the_size_repeats_each_pixel_two_by_two()
    {
        string[] paths = FirstFiles(Retina, 2);
        float[][] planes = ExtractWithMLNet(paths, 56, 56, ImageResizingEstimator.ResizingKind.Fill);
        Assert.Equal(paths.Length, planes.Length);
        for (int i = 0; i < paths.Length; i++)
        {
            var image = ImageDecoder.DecodeFile(paths[i]);
            Assert.Equal((28, 28), (image.Width, image.Height));
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 56; y++)
                    for (int x = 0; x < 56; x++)
                        Assert.Equal(Library(image, x / 2, y / 2, c), planes[i][(c * 56 + y) * 56 + x]);
        }
        AssertLibraryAlsoRenders();
    }
}
