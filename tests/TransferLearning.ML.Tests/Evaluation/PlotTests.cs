using SkiaSharp;
using TransferLearning.ML.Evaluation;

namespace TransferLearning.ML.Tests.Evaluation;

public sealed class PlotTests
{
    private static ClassificationMetrics Metrics(string name)
    {
        var fixture = MetricFixture.Load(name);
        return MetricsCalculator.Compute(fixture.Labels, fixture.ProbabilityMatrix(), fixture.ClassNames,
            new MetricsOptions { Threshold = fixture.Threshold, BootstrapSamples = 0 });
    }

    private static SKBitmap Decode(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        return SKBitmap.Decode(png) ?? throw new InvalidDataException("not a decodable PNG");
    }

    /// <summary>Dark pixels in a strip across the top of the image, where only the title is drawn.</summary>
    private static int DarkPixelsInTitleStrip(SKBitmap bitmap)
    {
        int dark = 0;
        for (int y = 0; y < 40; y++)
            for (int x = bitmap.Width / 4; x < 3 * bitmap.Width / 4; x++)
                if (bitmap.GetPixel(x, y).Red < 100) dark++;
        return dark;
    }

    [Fact]
    public void Some_installed_font_is_found_for_plot_text()
    {
        Assert.False(PlotFont.Family is null,
            "SkiaSharp found no font: install one (Debian/Ubuntu: apt-get install fonts-dejavu-core), or plots have no text.");
    }

    [Fact]
    public void Plot_titles_are_drawn_as_text()
    {
        using var bitmap = Decode(RocCurvePlot.Render(Metrics("binary")));
        Assert.True(DarkPixelsInTitleStrip(bitmap) > 50, "no title text rendered: is a font installed?");
    }

    [Fact]
    public void Training_curves_render_at_the_requested_size()
    {
        using var bitmap = Decode(TrainingCurvesPlot.Render(SyntheticRun.History(), 1000, 400));
        Assert.Equal(1000, bitmap.Width);
        Assert.Equal(400, bitmap.Height);
    }

    [Theory]
    [InlineData("binary")]
    [InlineData("multiclass-5-never-predicted")]
    public void Confusion_matrix_renders_a_cell_per_class_pair(string name)
    {
        var metrics = Metrics(name);
        using var bitmap = Decode(ConfusionMatrixPlot.Render(metrics.ConfusionMatrix));
        Assert.Equal(700, bitmap.Width);
        // the darkest colour of the heatmap appears: the diagonal of a decent classifier is > 50 % of its row
        Assert.Contains(Enumerable.Range(0, bitmap.Width * bitmap.Height), i =>
            bitmap.GetPixel(i % bitmap.Width, i / bitmap.Width) is var c && c.Blue > 90 && c.Red < 60);
    }

    [Fact]
    public void Multiclass_roc_plot_renders()
    {
        using var bitmap = Decode(RocCurvePlot.Render(Metrics("multiclass-3")));
        Assert.Equal(600, bitmap.Height);
    }

    [Fact]
    public void Reliability_diagram_renders()
    {
        using var bitmap = Decode(ReliabilityDiagramPlot.Render(Metrics("ordinal-5-class")));
        Assert.Equal(700, bitmap.Width);
    }

    [Fact]
    public void Save_writes_the_png_to_the_path_without_leaving_temporary_files()
    {
        string folder = Path.Combine(Path.GetTempPath(), "tl-plot-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(folder, "nested", "roc.png");
            RocCurvePlot.Save(path, Metrics("binary"));
            using var bitmap = Decode(File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_empty_history_is_refused()
    {
        Assert.Throws<ArgumentException>(() => TrainingCurvesPlot.Render([]));
    }
}
