using System.Globalization;
using TransferLearning.ML.Metrics;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// The confusion matrix as a heatmap PNG: true classes down the left (top to bottom in index order), predicted
/// classes along the bottom, each cell shaded by its row percentage and labelled with its count and row
/// percentage, so the diagonal reads as each class's sensitivity.
/// </summary>
public static class ConfusionMatrixPlot
{
    private static readonly OxyColor Empty = OxyColor.FromRgb(247, 251, 255);
    private static readonly OxyColor Full = OxyColor.FromRgb(8, 48, 107);

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
        var plot = PlotImage.NewPlot("Confusion matrix (count, % of true class)");
        string[] names = [.. matrix.ClassNames];
        var predicted = ClassAxis(AxisPosition.Bottom, "Predicted class", k, i => names[i]);
        if (names.Any(n => n.Length > 10)) predicted.Angle = -30;
        plot.Axes.Add(predicted);
        plot.Axes.Add(ClassAxis(AxisPosition.Left, "True class", k, i => names[k - 1 - i]));
        float fontSize = Math.Clamp(120f / k, 9f, 18f);
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
            {
                double share = matrix.RowPercentage(t, p) / 100;
                double y = k - 1 - t;  // the first class on top, as the matrix is printed
                var fill = Mix(Empty, Full, share);
                plot.Annotations.Add(new RectangleAnnotation
                {
                    MinimumX = p - 0.5, MaximumX = p + 0.5, MinimumY = y - 0.5, MaximumY = y + 0.5,
                    Fill = fill, Stroke = OxyColors.White, StrokeThickness = 1, Layer = AnnotationLayer.BelowSeries,
                });
                string percentage = matrix.RowPercentage(t, p).ToString("0.0", CultureInfo.InvariantCulture);
                plot.Annotations.Add(new TextAnnotation
                {
                    Text = $"{matrix[t, p].ToString(CultureInfo.InvariantCulture)}\n{percentage} %",
                    TextPosition = new DataPoint(p, y),
                    TextHorizontalAlignment = HorizontalAlignment.Center,
                    TextVerticalAlignment = VerticalAlignment.Middle,
                    FontSize = fontSize,
                    FontWeight = t == p ? FontWeights.Bold : FontWeights.Normal,
                    TextColor = share > 0.5 ? OxyColors.White : OxyColors.Black,
                    Stroke = OxyColors.Transparent,
                    StrokeThickness = 0,
                });
            }
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

    /// <summary>An axis with one labelled tick per class at 0 … k − 1 and no grid.</summary>
    private static LinearAxis ClassAxis(AxisPosition position, string title, int k, Func<int, string> label) => new()
    {
        Position = position,
        Title = title,
        Minimum = -0.5,
        Maximum = k - 0.5,
        MajorStep = 1,
        MinorStep = 1,
        TickStyle = TickStyle.Outside,
        LabelFormatter = v =>
        {
            int i = (int)Math.Round(v);
            return Math.Abs(v - i) < 1e-9 && i >= 0 && i < k ? label(i) : "";
        },
        IsPanEnabled = false,
        IsZoomEnabled = false,
    };

    private static OxyColor Mix(OxyColor from, OxyColor to, double share)
    {
        byte Channel(byte a, byte b) => (byte)Math.Round(a + (b - a) * share);
        return OxyColor.FromRgb(Channel(from.R, to.R), Channel(from.G, to.G), Channel(from.B, to.B));
    }
}
