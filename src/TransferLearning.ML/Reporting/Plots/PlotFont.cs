using SkiaSharp;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// The font family the plots draw text with. OxyPlot's default family (Segoe UI) may not exist on a bare Linux machine
/// (the bundled SkiaSharp build scans /usr/share/fonts itself, without fontconfig), and a missing family may
/// render no text at all, so the plots ask SkiaSharp which families are installed and pick a common sans-serif.
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

    /// <summary>Makes the family the default font of every text element of <paramref name="plot"/>.</summary>
    public static void Apply(OxyPlot.PlotModel plot)
    {
        if (Family is { } family) plot.DefaultFont = family;
    }
}
