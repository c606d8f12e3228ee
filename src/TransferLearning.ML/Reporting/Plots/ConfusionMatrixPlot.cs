using System.Globalization;
using ScottPlot;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// The confusion matrix as a heatmap PNG: true classes down the left (top to bottom in index order), predicted
/// classes along the bottom, each cell shaded by its row percentage and labelled with its count and row
/// percentage, so the diagonal reads as each class's sensitivity.
/// </summary>
public static class ConfusionMatrixPlot
{
    private static readonly Color Empty = new(247, 251, 255);
    private static readonly Color Full = new(8, 48, 107);

    /// <summary>Renders <paramref name="matrix"/>.</summary>
    /// <param name="matrix">The confusion matrix, e.g. <see cref="ClassificationMetrics.ConfusionMatrix"/>.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <returns>PNG bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 100×100.</exception>
    public static byte[] Render(ConfusionMatrix matrix, int width = 700, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int k = matrix.ClassCount;
        using var plot = new Plot();
        float fontSize = Math.Clamp(120f / k, 9f, 18f);
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
            {
                double share = matrix.RowPercentage(t, p) / 100;
                double y = k - 1 - t;  // the first class on top, as the matrix is printed
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = Mix(Empty, Full, share);
                cell.LineColor = Colors.White;
                cell.LineWidth = 1;

                string percentage = matrix.RowPercentage(t, p).ToString("0.0", CultureInfo.InvariantCulture);
                var text = plot.Add.Text($"{matrix[t, p].ToString(CultureInfo.InvariantCulture)}\n{percentage} %", p, y);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = fontSize;
                text.LabelFontName = PlotFont.Family ?? text.LabelFontName;
                text.LabelBold = t == p;
                text.LabelFontColor = share > 0.5 ? Colors.White : Colors.Black;
            }

        double[] positions = [.. Enumerable.Range(0, k).Select(i => (double)i)];
        string[] names = [.. matrix.ClassNames];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, names);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. positions.Select(i => k - 1 - i)], names);
        if (names.Any(n => n.Length > 10)) plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.HideGrid();
        plot.Title("Confusion matrix (count, % of true class)");
        plot.XLabel("Predicted class");
        plot.YLabel("True class");
        return PlotImage.Png(width, height, plot);
    }

    /// <summary>Renders <paramref name="matrix"/> to a PNG file (written atomically).</summary>
    /// <param name="path">Destination .png path; its folder is created.</param>
    /// <param name="matrix">The confusion matrix.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, ConfusionMatrix matrix, int width = 700, int height = 600) =>
        PlotImage.Save(path, Render(matrix, width, height));

    private static Color Mix(Color from, Color to, double share)
    {
        byte Channel(byte a, byte b) => (byte)Math.Round(a + (b - a) * share);
        return new Color(Channel(from.R, to.R), Channel(from.G, to.G), Channel(from.B, to.B));
    }
}
