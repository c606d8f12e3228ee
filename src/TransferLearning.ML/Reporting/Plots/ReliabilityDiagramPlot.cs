using System.Globalization;
using TransferLearning.ML.Metrics;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

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
        string ece = double.IsNaN(expectedCalibrationError)
            ? ""
            : $" — ECE {expectedCalibrationError.ToString("0.000", CultureInfo.InvariantCulture)}";
        var plot = PlotImage.NewPlot("Reliability diagram" + ece);
        plot.Axes.Add(PlotImage.Axis(AxisPosition.Bottom, "Confidence (largest probability)", 0, 1));
        plot.Axes.Add(PlotImage.Axis(AxisPosition.Left, "Accuracy", 0, 1.08));

        var bars = new RectangleBarSeries { Title = "accuracy", FillColor = OxyColor.FromRgb(49, 130, 189), StrokeColor = OxyColors.White, StrokeThickness = 1 };
        var confidence = new LineSeries { Title = "mean confidence", Color = OxyColor.FromRgb(222, 45, 38), StrokeThickness = 3 };
        foreach (var bin in bins.Where(b => b.Count > 0))
        {
            bars.Items.Add(new RectangleBarItem(bin.Lower, 0, bin.Upper, bin.Accuracy));
            // one segment per bin: a NaN point breaks the line between bins
            if (confidence.Points.Count > 0) confidence.Points.Add(DataPoint.Undefined);
            confidence.Points.Add(new DataPoint(bin.Lower, bin.MeanConfidence));
            confidence.Points.Add(new DataPoint(bin.Upper, bin.MeanConfidence));
            plot.Annotations.Add(new TextAnnotation
            {
                Text = bin.Count.ToString(CultureInfo.InvariantCulture),
                TextPosition = new DataPoint((bin.Lower + bin.Upper) / 2, Math.Max(bin.Accuracy, bin.MeanConfidence) + 0.01),
                TextHorizontalAlignment = HorizontalAlignment.Center,
                TextVerticalAlignment = VerticalAlignment.Bottom,
                FontSize = 10,
                TextColor = OxyColors.DimGray,
                Stroke = OxyColors.Transparent,
                StrokeThickness = 0,
            });
        }
        var ideal = new LineSeries { Title = "perfect calibration", Color = OxyColors.Gray, LineStyle = LineStyle.Dash, StrokeThickness = 1 };
        ideal.Points.AddRange([new DataPoint(0, 0), new DataPoint(1, 1)]);
        plot.Series.Add(ideal);
        plot.Series.Add(bars);
        plot.Series.Add(confidence);
        plot.Legends.Add(PlotImage.Legend(LegendPosition.TopLeft));
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
