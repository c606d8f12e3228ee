using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using SkiaSharp;
using TransferLearning.ML.Reporting;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Reporting;

[Collection(TrainedKermanyModelCollection.Name)]
public sealed class RunReportBuilderTests(TrainedKermanyModel model) : IDisposable
{
    private readonly string _output = TrainingData.TemporaryDirectory("run-report");

    private string Write(RunReportOptions? options = null) => RunReportBuilder.Write(_output, model.Result, options);

    private static XDocument Parse(string html) => XDocument.Parse(File.ReadAllText(html).Replace("<!DOCTYPE html>", ""));

    private static IEnumerable<XElement> Images(XElement scope) => scope.Descendants("img");

    private static byte[] DataUriBytes(XElement img)
    {
        string src = img.Attribute("src")!.Value;
        Assert.StartsWith("data:image/png;base64,", src);
        return Convert.FromBase64String(src["data:image/png;base64,".Length..]);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_report_is_well_formed_html_and_every_image_is_an_embedded_png()
    {
        string html = Write();

        var document = Parse(html);
        var images = Images(document.Root!).ToList();
        Assert.True(images.Count >= 4, $"{images.Count} images");
        foreach (var img in images)
        {
            using var bitmap = SKBitmap.Decode(DataUriBytes(img));
            Assert.NotNull(bitmap);
        }
        Assert.DoesNotContain(document.Descendants(), e => e.Name.LocalName is "script" or "link");
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Metrics_json_reports_the_test_split_at_top_level_with_a_validation_section_and_the_html_shows_its_accuracy()
    {
        string html = Write();

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "metrics.json")));
        var root = json.RootElement;
        double accuracy = root.GetProperty("accuracy").GetDouble();
        Assert.Equal(model.Result.TestMetrics!.Accuracy, accuracy);
        Assert.Equal(model.Result.TestMetrics.RocAuc, root.GetProperty("rocAuc").GetDouble());
        Assert.Equal("test", root.GetProperty("evaluatedSplit").GetString());
        Assert.Equal(model.Result.ValidationMetrics!.Accuracy, root.GetProperty("validation").GetProperty("accuracy").GetDouble());
        Assert.Contains(accuracy.ToString("0.0000", CultureInfo.InvariantCulture), File.ReadAllText(html));
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void History_csv_and_the_plots_are_written_beside_the_report()
    {
        Write();

        var lines = File.ReadAllLines(Path.Combine(_output, "history.csv"));
        Assert.Equal(HistoryCsv.Header, lines[0]);
        Assert.Equal(model.Result.History.Count + 1, lines.Length);
        foreach (string plot in new[] { "training-curves.png", "confusion-matrix.png", "roc-curves.png", "reliability-diagram.png" })
            Assert.True(File.Exists(Path.Combine(_output, "plots", plot)), plot);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_report_shows_class_counts_of_every_split_and_the_configuration()
    {
        string text = File.ReadAllText(Write());
        var splits = model.Result.Splits;

        foreach (var (name, set) in new[] { ("train", splits.Train), ("validation", splits.Validation), ("test", splits.Test) })
        {
            Assert.True(set.Count > 0);
            Assert.Contains($"<td>{name}</td>", text);
        }
        Assert.Contains(model.Result.Configuration["backbone"], text);
        Assert.Contains("Training curves", text);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Each_confidently_wrong_test_image_is_shown_with_its_grad_cam_overlay()
    {
        var test = model.Result.TestPredictions!;
        var errors = ConfidentError.Find(test.LabelArray, test.Matrix, 8, model.Result.TestMetrics!.Threshold ?? 0.5);
        Assert.NotEmpty(errors); // precondition: the tiny model makes mistakes on its 12 test images

        var grid = Parse(Write()).Descendants("div").Single(d => (string?)d.Attribute("class") == "examples");

        var figures = grid.Elements("figure").ToList();
        Assert.Equal(errors.Count, figures.Count);
        foreach (var figure in figures)
        {
            var pair = figure.Descendants("img").ToList();
            Assert.Equal(2, pair.Count);
            Assert.StartsWith("Grad-CAM", pair[1].Attribute("alt")!.Value);
            using var overlay = SKBitmap.Decode(DataUriBytes(pair[1]));
            Assert.Equal((224, 224), (overlay.Width, overlay.Height));
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Without_grad_cam_the_grid_shows_the_images_alone()
    {
        var grid = Parse(Write(new RunReportOptions { IncludeGradCam = false })).Descendants("div")
            .SingleOrDefault(d => (string?)d.Attribute("class") == "examples");

        Assert.NotNull(grid);
        Assert.All(grid.Elements("figure"), f => Assert.Single(f.Descendants("img")));
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);
}
