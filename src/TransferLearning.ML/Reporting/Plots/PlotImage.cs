using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.SkiaSharp;
using SkiaSharp;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>Renders one or more OxyPlot plots side by side into a PNG.</summary>
internal static class PlotImage
{
    /// <summary>Matplotlib's "tab10" colours, one per curve in order.</summary>
    public static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(31, 119, 180), OxyColor.FromRgb(255, 127, 14), OxyColor.FromRgb(44, 160, 44),
        OxyColor.FromRgb(214, 39, 40), OxyColor.FromRgb(148, 103, 189), OxyColor.FromRgb(140, 86, 75),
        OxyColor.FromRgb(227, 119, 194), OxyColor.FromRgb(127, 127, 127), OxyColor.FromRgb(188, 189, 34),
        OxyColor.FromRgb(23, 190, 207),
    ];

    /// <summary>A plot with the library's look: white background, installed font, the palette above.</summary>
    public static PlotModel NewPlot(string title)
    {
        var plot = new PlotModel
        {
            Title = title,
            Background = OxyColors.White,
            TitleFontSize = 16,
            DefaultColors = Palette,
        };
        PlotFont.Apply(plot);
        return plot;
    }

    /// <summary>A linear axis with a light grid, fixed to [min, max] when both are given.</summary>
    public static LinearAxis Axis(AxisPosition position, string title, double min = double.NaN, double max = double.NaN) => new()
    {
        Position = position,
        Title = title,
        Minimum = min,
        Maximum = max,
        MajorGridlineStyle = LineStyle.Solid,
        MajorGridlineColor = OxyColor.FromRgb(225, 225, 225),
        IsPanEnabled = false,
        IsZoomEnabled = false,
    };

    /// <summary>A legend inside the plot area at <paramref name="position"/>.</summary>
    public static Legend Legend(LegendPosition position) => new()
    {
        LegendPosition = position,
        LegendPlacement = LegendPlacement.Inside,
        LegendBackground = OxyColor.FromAColor(230, OxyColors.White),
        LegendBorder = OxyColors.LightGray,
    };

    public static byte[] Png(int width, int height, params PlotModel[] panels)
    {
        if (width < 100 || height < 100)
            throw new ArgumentOutOfRangeException(nameof(width), $"A plot of {width}×{height} pixels is too small to read; use at least 100×100.");
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        // no text shaping: plain left-to-right labels need no HarfBuzz native library
        using (var context = new SkiaRenderContext { RenderTarget = RenderTarget.PixelGraphic, SkCanvas = canvas, UseTextShaping = false })
        {
            canvas.Clear(SKColors.White);
            int panelWidth = width / panels.Length;
            for (int i = 0; i < panels.Length; i++)
            {
                IPlotModel panel = panels[i];
                canvas.Save();
                canvas.ClipRect(new SKRect(i * panelWidth, 0, (i + 1) * panelWidth, height));
                canvas.Translate(i * panelWidth, 0);
                panel.Update(true);
                panel.Render(context, new OxyRect(0, 0, panelWidth, height));
                canvas.Restore();
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static void Save(string path, byte[] png) => AtomicFile.WriteAllBytes(path, png);
}
