using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SkiaSharp;
using TransferLearning.ML.Reporting;

namespace TransferLearning.ML.Tests.Reporting;

public sealed class HtmlReportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tl-report-" + Guid.NewGuid().ToString("N"));
    private readonly RunReport _report = SyntheticRun.Report();

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static readonly Regex DataUri = new("data:image/png;base64,([A-Za-z0-9+/=]+)", RegexOptions.Compiled);

    [Fact]
    public void Report_is_well_formed_xhtml_style_html5()
    {
        string html = HtmlReport.Render(_report);
        Assert.StartsWith("<!DOCTYPE html>", html);
        var document = XDocument.Parse(html);
        Assert.Equal("html", document.Root!.Name.LocalName);
        Assert.Equal(_report.Title, document.Descendants("title").Single().Value);
    }

    [Fact]
    public void Report_embeds_every_figure_and_example_as_a_decodable_png()
    {
        string html = HtmlReport.Render(_report);
        var images = DataUri.Matches(html).Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        int expected = 4 + _report.ConfidentlyWrong.Count + _report.ConfidentlyWrong.Count(e => e.GradCamPng is not null);
        Assert.Equal(expected, images.Count);
        Assert.Equal(expected, Regex.Matches(html, "data:image/png;base64,").Count);
        foreach (byte[] png in images)
        {
            using var bitmap = SKBitmap.Decode(png);
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width > 0);
        }
    }

    [Fact]
    public void Report_uses_no_external_resource()
    {
        var document = XDocument.Parse(HtmlReport.Render(_report));
        Assert.Empty(document.Descendants("script"));
        Assert.Empty(document.Descendants("link"));
        Assert.All(document.Descendants("img"), img => Assert.StartsWith("data:image/png;base64,", (string)img.Attribute("src")!));
        Assert.DoesNotContain("http://", document.ToString());
        Assert.DoesNotContain("https://", document.ToString());
    }

    [Fact]
    public void Strings_from_the_run_are_escaped()
    {
        string html = HtmlReport.Render(_report);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        var document = XDocument.Parse(html);
        Assert.Contains(document.Descendants("td"), td => td.Value == "<script>alert('x')</script> \"quoted\" & ampersand");
    }

    [Fact]
    public void Report_shows_the_numbers_written_to_metrics_json()
    {
        var artifacts = RunArtifacts.Write(_folder, _report);
        string html = File.ReadAllText(artifacts.ReportHtml);
        using var json = JsonDocument.Parse(File.ReadAllText(artifacts.MetricsJson!));
        var root = json.RootElement;
        foreach (string key in new[] { "accuracy", "balancedAccuracy", "rocAuc", "prAuc", "logLoss", "cohenKappa",
                     "quadraticWeightedKappa", "expectedCalibrationError", "sensitivity", "specificity", "threshold" })
            Assert.Contains(Format(root.GetProperty(key).GetDouble()), html);
        foreach (string key in new[] { "accuracy", "rocAuc" })
        {
            var interval = root.GetProperty("confidenceIntervals").GetProperty(key);
            Assert.Contains($"{Format(interval.GetProperty("lower").GetDouble())} – {Format(interval.GetProperty("upper").GetDouble())}", html);
        }
        foreach (var perClass in root.GetProperty("perClass").EnumerateArray())
            Assert.Contains(Format(perClass.GetProperty("f1").GetDouble()), html);
    }

    private static string Format(double value) => value.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Run_artifacts_are_the_report_metrics_history_and_four_pngs_without_temporary_files()
    {
        var artifacts = RunArtifacts.Write(_folder, _report);
        Assert.Equal(4, artifacts.Plots.Count);
        foreach (string plot in artifacts.Plots)
        {
            using var bitmap = SKBitmap.Decode(plot);
            Assert.NotNull(bitmap);
        }
        Assert.True(File.Exists(artifacts.HistoryCsv));
        var all = Directory.GetFiles(_folder, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(["confusion-matrix.png", "history.csv", "metrics.json", "reliability-diagram.png", "report.html", "roc-curves.png", "training-curves.png"], all);
    }

    [Fact]
    public void A_report_without_metrics_or_history_leaves_those_sections_out()
    {
        var report = new RunReport { Title = "empty run" };
        var artifacts = RunArtifacts.Write(_folder, report);
        Assert.Null(artifacts.MetricsJson);
        Assert.Null(artifacts.HistoryCsv);
        Assert.Empty(artifacts.Plots);
        var document = XDocument.Parse(File.ReadAllText(artifacts.ReportHtml));
        Assert.Empty(document.Descendants("img"));
    }

    [Fact]
    public void Dataset_counts_must_match_the_classes()
    {
        var report = new RunReport
        {
            Title = "bad",
            Dataset = new DatasetSummary(["a", "b"], new Dictionary<string, IReadOnlyList<int>> { ["train"] = [1, 2, 3] }),
        };
        var error = Assert.Throws<ArgumentException>(() => HtmlReport.Render(report));
        Assert.Contains("'train'", error.Message);
    }
}
