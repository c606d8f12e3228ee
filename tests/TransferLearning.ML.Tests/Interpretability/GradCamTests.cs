using SkiaSharp;
using TransferLearning.ML.Interpretability;
using TransferLearning.ML.Onnx;
using Xunit.Abstractions;

namespace TransferLearning.ML.Tests.Interpretability;

public sealed class GradCamTests(MobileNetGradCam fixture, ITestOutputHelper output) : IClassFixture<MobileNetGradCam>
{
    private const int EgyptianCat = 285;
    private const int Chickadee = 19;

    // The cat of cat.png (512×341, stretched to 224×224): head from about (80, 20) to (150, 100), body down to the
    // bottom edge between x ≈ 22 and 160. The red cushion (top left), the floor and the tail of a second animal
    // (right edge) lie outside.
    private static readonly (int Left, int Top, int Right, int Bottom) CatBox = (22, 15, 160, 224);

    [SharedFact(MobileNetGradCam.Model, MobileNetGradCam.Cat)]
    public void Grad_cam_of_the_predicted_egyptian_cat_peaks_inside_the_cat()
    {
        var result = fixture.GradCam.Compute(MobileNetGradCam.CatPath);

        Assert.Equal(EgyptianCat, result.ClassIndex);
        var (y, x) = result.Peak;
        output.WriteLine($"peak at x={x}, y={y}; layer {result.LayerName}; score {result.Score}, p={result.Probability}");
        Assert.InRange(x, CatBox.Left, CatBox.Right - 1);
        Assert.InRange(y, CatBox.Top, CatBox.Bottom - 1);
    }

    [SharedFact(MobileNetGradCam.Model, MobileNetGradCam.Cat)]
    public void The_heatmap_has_the_input_size_and_is_normalised_to_zero_one()
    {
        var result = fixture.GradCam.Compute(MobileNetGradCam.CatPath);

        Assert.Equal(224, result.Heatmap.GetLength(0));
        Assert.Equal(224, result.Heatmap.GetLength(1));
        var values = result.Heatmap.Cast<float>().ToArray();
        Assert.Equal(1f, values.Max(), 5);
        Assert.Equal(0f, values.Min(), 5);
    }

    [SharedFact(MobileNetGradCam.Model)]
    public void The_default_layer_of_mobilenet_is_the_1280_by_7_by_7_map_fed_to_global_average_pooling()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        var pool = Assert.Single(model.Graph.Node, n => n.OpType == "GlobalAveragePool");

        Assert.Equal(pool.Input[0], fixture.GradCam.LayerName);
        Assert.Equal([1, 1280, 7, 7], ShapeInference.Run(model).ShapeOf(fixture.GradCam.LayerName)!);
    }

    [SharedFact(MobileNetGradCam.Model, MobileNetGradCam.Cat)]
    public void A_class_given_explicitly_is_explained_instead_of_the_predicted_one()
    {
        var cat = fixture.GradCam.Compute(MobileNetGradCam.CatPath);
        var bird = fixture.GradCam.Compute(MobileNetGradCam.CatPath, Chickadee);

        Assert.Equal(Chickadee, bird.ClassIndex);
        Assert.True(bird.Score < cat.Score, $"chickadee score {bird.Score} should be below the cat's {cat.Score}");
        Assert.NotEqual(cat.Heatmap.Cast<float>(), bird.Heatmap.Cast<float>());
    }

    [SharedFact(MobileNetGradCam.Model, MobileNetGradCam.Cat)]
    public void A_class_outside_the_model_is_refused_with_the_valid_range()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.GradCam.Compute(MobileNetGradCam.CatPath, 1000));

        Assert.Contains("0 to 999", error.Message);
    }

    [SharedFact(MobileNetGradCam.Model, MobileNetGradCam.Cat)]
    public void The_overlay_is_a_png_of_the_input_size_saved_where_asked()
    {
        var result = fixture.GradCam.Compute(MobileNetGradCam.CatPath);
        string directory = Directory.CreateTempSubdirectory("tl-gradcam-").FullName;
        string path = Path.Combine(directory, "cat-gradcam.png");

        try
        {
            result.Save(path);

            output.WriteLine($"overlay written to {path}");
            using var bitmap = SKBitmap.Decode(path);
            Assert.Equal((224, 224), (bitmap.Width, bitmap.Height));
            // at the peak the overlay is pulled towards the red end of the colour map
            var (y, x) = result.Peak;
            SKColor peak = bitmap.GetPixel(x, y);
            Assert.True(peak.Red > peak.Blue, $"peak pixel {peak} should be reddish");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [SharedFact(MobileNetGradCam.Model)]
    public void A_target_layer_that_does_not_exist_is_named_in_the_error()
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using var gradCam = ML.Interpretability.GradCam.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"),
                new GradCamOptions { TargetLayer = "no-such-tensor" });
            gradCam.Compute(MobileNetGradCam.CatPath);
        });

        Assert.IsType<OnnxModuleException>(error);
        Assert.Contains("no-such-tensor", error.Message);
    }
}
