using SkiaSharp;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// The font family the plots draw text with. ScottPlot's default family may not exist on a bare Linux machine
/// (the bundled SkiaSharp build scans /usr/share/fonts itself, without fontconfig), and a missing family
/// renders no text at all, so the plots ask SkiaSharp which families are installed and pick a common sans-serif.
/// On Debian/Ubuntu install <c>fonts-dejavu-core</c> when no font is found.
/// </summary>
internal static class PlotFont
{
    private static readonly string[] Preferred =
        ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial", "Helvetica", "Segoe UI"];

    private static readonly Lazy<string?> Resolved = new(Resolve);

    /// <summary>An installed family, or null when SkiaSharp finds no font at all.</summary>
    public static string? Family => Resolved.Value;

    private static string? Resolve()
    {
        var installed = SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (string family in Preferred)
            if (installed.Contains(family)) return family;
        return installed.Order(StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>Applies the family to every text element of <paramref name="plot"/> (call after adding plottables).</summary>
    public static void Apply(ScottPlot.Plot plot)
    {
        if (Family is { } family) plot.Font.Set(family);
    }
}
