using ScottPlot;
using SkiaSharp;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>Renders one or more ScottPlot plots side by side into a PNG.</summary>
internal static class PlotImage
{
    public static byte[] Png(int width, int height, params Plot[] panels)
    {
        if (width < 100 || height < 100)
            throw new ArgumentOutOfRangeException(nameof(width), $"A plot of {width}×{height} pixels is too small to read; use at least 100×100.");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        int panelWidth = width / panels.Length;
        for (int i = 0; i < panels.Length; i++)
        {
            // ScottPlot clears the whole canvas it renders on, so each panel gets its own surface
            PlotFont.Apply(panels[i]);
            using var panel = SKSurface.Create(new SKImageInfo(panelWidth, height, SKColorType.Rgba8888, SKAlphaType.Premul));
            panels[i].Render(panel.Canvas, new PixelRect(0, panelWidth, height, 0));
            using var panelImage = panel.Snapshot();
            surface.Canvas.DrawImage(panelImage, i * panelWidth, 0);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static void Save(string path, byte[] png) => AtomicFile.WriteAllBytes(path, png);
}
