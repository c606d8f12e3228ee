using SkiaSharp;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Reporting.Plots;
using TransferLearning.ML.Tests.Metrics;

namespace TransferLearning.ML.Tests.Reporting;

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

    /// <summary>Dark pixels in a strip across the top of the image, where only the title is drawn (the plot area's frame starts at y = 34).</summary>
    private static int DarkPixelsInTitleStrip(SKBitmap bitmap)
    {
        int dark = 0;
        for (int y = 0; y < 30; y++)
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

    /// <summary>Distinct strongly coloured hues (30° buckets) in the image: grey text, axes and grid do not count.</summary>
    private static int SaturatedHues(SKBitmap bitmap)
    {
        var hues = new HashSet<int>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var color = bitmap.GetPixel(x, y);
                color.ToHsv(out float hue, out float saturation, out float value);
                if (saturation > 60 && value > 40) hues.Add((int)(hue / 30));
            }
        return hues.Count;
    }

    [Theory]
    [InlineData("binary")]
    [InlineData("multiclass-5-never-predicted")]
    public void Confusion_matrix_shades_a_strong_diagonal_dark_blue(string name)
    {
        var metrics = Metrics(name);
        using var bitmap = Decode(ConfusionMatrixPlot.Render(metrics.ConfusionMatrix));
        Assert.Equal(700, bitmap.Width);
        // every diagonal cell holds > 75 % of its row here, so the darkest shades of the scale appear
        bool dark = false;
        for (int y = 0; y < bitmap.Height && !dark; y += 3)
            for (int x = 0; x < bitmap.Width && !dark; x += 3)
                dark = bitmap.GetPixel(x, y) is { Red: < 80, Blue: > 120 };
        Assert.True(dark, "no dark-blue cell drawn");
    }

    [Fact]
    public void Multiclass_roc_plot_draws_a_coloured_curve_per_class()
    {
        using var bitmap = Decode(RocCurvePlot.Render(Metrics("multiclass-5-never-predicted")));
        Assert.True(SaturatedHues(bitmap) >= 4, $"only {SaturatedHues(bitmap)} colours: curves missing?");
    }

    [Fact]
    public void Binary_roc_plot_draws_a_single_curve()
    {
        using var bitmap = Decode(RocCurvePlot.Render(Metrics("binary")));
        Assert.InRange(SaturatedHues(bitmap), 1, 2);
    }

    [Fact]
    public void Reliability_diagram_draws_accuracy_bars()
    {
        using var bitmap = Decode(ReliabilityDiagramPlot.Render(Metrics("ordinal-5-class")));
        int bar = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
                if (bitmap.GetPixel(x, y) == new SKColor(49, 130, 189)) bar++;
        Assert.True(bar > 1000, $"{bar} bar pixels");
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
