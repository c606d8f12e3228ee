using System.Globalization;
using TransferLearning.ML.Metrics;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// ROC curves as a PNG: binary, the positive class's curve; multiclass, one one-vs-rest curve per class. The legend
/// gives each curve's AUC; the dashed diagonal is a classifier that guesses.
/// </summary>
public static class RocCurvePlot
{
    /// <summary>Renders the ROC curves of <paramref name="metrics"/>.</summary>
    /// <param name="metrics">Metrics from <see cref="MetricsCalculator.Compute"/>.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <returns>PNG bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 100×100.</exception>
    public static byte[] Render(ClassificationMetrics metrics, int width = 700, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var names = metrics.IsBinary ? [metrics.ClassNames[1]] : metrics.ClassNames;
        return Render(metrics.RocCurves, names, width, height);
    }

    /// <summary>Renders curves with their names.</summary>
    /// <param name="curves">The curves, e.g. from <see cref="RocCurve.Compute"/>.</param>
    /// <param name="names">One legend name per curve.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <returns>PNG bytes.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts of curves and names differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 100×100.</exception>
    public static byte[] Render(IReadOnlyList<RocCurve> curves, IReadOnlyList<string> names, int width = 700, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(names);
        if (curves.Count != names.Count)
            throw new ArgumentException($"{curves.Count} curves but {names.Count} names; pass one name per curve.", nameof(names));

        var plot = PlotImage.NewPlot(curves.Count == 1 ? "ROC curve" : "ROC curves (one vs rest)");
        plot.Axes.Add(PlotImage.Axis(AxisPosition.Bottom, "False-positive rate (1 − specificity)", -0.01, 1.01));
        plot.Axes.Add(PlotImage.Axis(AxisPosition.Left, "True-positive rate (sensitivity)", -0.01, 1.01));
        var guess = new LineSeries { Title = "chance (AUC 0.5)", Color = OxyColors.Gray, LineStyle = LineStyle.Dash, StrokeThickness = 1 };
        guess.Points.AddRange([new DataPoint(0, 0), new DataPoint(1, 1)]);
        plot.Series.Add(guess);
        for (int i = 0; i < curves.Count; i++)
        {
            var curve = curves[i];
            if (double.IsNaN(curve.Area)) continue;  // one class only: there is no curve to draw
            var line = new LineSeries
            {
                Title = $"{names[i]} (AUC {curve.Area.ToString("0.000", CultureInfo.InvariantCulture)})",
                Color = PlotImage.Palette[i % PlotImage.Palette.Length],
                StrokeThickness = 2,
            };
            for (int j = 0; j < curve.FalsePositiveRates.Count; j++)
                line.Points.Add(new DataPoint(curve.FalsePositiveRates[j], curve.TruePositiveRates[j]));
            plot.Series.Add(line);
        }
        plot.Legends.Add(PlotImage.Legend(LegendPosition.BottomRight));
        return PlotImage.Png(width, height, plot);
    }

    /// <summary>Renders the ROC curves of <paramref name="metrics"/> to a PNG file (written atomically).</summary>
    /// <param name="path">Destination .png path; its folder is created.</param>
    /// <param name="metrics">Metrics from <see cref="MetricsCalculator.Compute"/>.</param>
    /// <param name="width">Image width in pixels; default 700.</param>
    /// <param name="height">Image height in pixels; default 600.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, ClassificationMetrics metrics, int width = 700, int height = 600) =>
        PlotImage.Save(path, Render(metrics, width, height));
}
