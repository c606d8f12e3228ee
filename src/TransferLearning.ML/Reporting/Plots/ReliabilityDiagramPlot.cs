using System.Globalization;
using ScottPlot;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// The reliability diagram as a PNG: for each confidence bin, a bar of the accuracy of its samples, the
/// bin's mean confidence as a red mark, the sample count above the bar, and the diagonal of perfect calibration.
/// Bars below the diagonal mean over-confidence.
/// </summary>
public static class ReliabilityDiagramPlot
{
    /// <summary>Renders the calibration bins of <paramref name="metrics"/>, with its expected calibration error in the title.</summary>
    /// <param name="metrics">Metrics from <see cref="MetricsCalculator.Compute"/>.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <returns>PNG bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 100×100.</exception>
    public static byte[] Render(ClassificationMetrics metrics, int width = 700, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return Render(metrics.Calibration, metrics.ExpectedCalibrationError, width, height);
    }

    /// <summary>Renders calibration bins.</summary>
    /// <param name="bins">The bins, e.g. <see cref="ClassificationMetrics.Calibration"/>.</param>
    /// <param name="expectedCalibrationError">Shown in the title; <see cref="double.NaN"/> to leave it out.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <returns>PNG bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bins"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 100×100.</exception>
    public static byte[] Render(IReadOnlyList<CalibrationBin> bins, double expectedCalibrationError, int width = 700, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(bins);
        using var plot = new Plot();
        var ideal = plot.Add.Line(0, 0, 1, 1);
        ideal.LinePattern = LinePattern.Dashed;
        ideal.Color = Colors.Gray;
        ideal.LegendText = "perfect calibration";

        bool first = true;
        foreach (var bin in bins.Where(b => b.Count > 0))
        {
            var bar = plot.Add.Rectangle(bin.Lower, bin.Upper, 0, bin.Accuracy);
            bar.FillColor = new Color(49, 130, 189);
            bar.LineColor = Colors.White;
            var confidence = plot.Add.Line(bin.Lower, bin.MeanConfidence, bin.Upper, bin.MeanConfidence);
            confidence.Color = new Color(222, 45, 38);
            confidence.LineWidth = 3;
            if (first)
            {
                bar.LegendText = "accuracy";
                confidence.LegendText = "mean confidence";
                first = false;
            }
            var count = plot.Add.Text(bin.Count.ToString(CultureInfo.InvariantCulture), (bin.Lower + bin.Upper) / 2, Math.Max(bin.Accuracy, bin.MeanConfidence) + 0.01);
            count.LabelAlignment = Alignment.LowerCenter;
            count.LabelFontSize = 10;
            count.LabelFontName = PlotFont.Family ?? count.LabelFontName;
            count.LabelFontColor = Colors.DimGray;
        }

        plot.Axes.SetLimits(0, 1, 0, 1.08);
        string ece = double.IsNaN(expectedCalibrationError)
            ? ""
            : $" — ECE {expectedCalibrationError.ToString("0.000", CultureInfo.InvariantCulture)}";
        plot.Title("Reliability diagram" + ece);
        plot.XLabel("Confidence (largest probability)");
        plot.YLabel("Accuracy");
        plot.ShowLegend(Alignment.UpperLeft);
        return PlotImage.Png(width, height, plot);
    }

    /// <summary>Renders the reliability diagram of <paramref name="metrics"/> to a PNG file (written atomically).</summary>
    /// <param name="path">Destination .png path; its folder is created.</param>
    /// <param name="metrics">Metrics from <see cref="MetricsCalculator.Compute"/>.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, ClassificationMetrics metrics, int width = 700, int height = 600) =>
        PlotImage.Save(path, Render(metrics, width, height));
}
