using System.Globalization;
using ScottPlot;
using TransferLearning.ML.Metrics;

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

        using var plot = new Plot();
        var guess = plot.Add.Line(0, 0, 1, 1);
        guess.LinePattern = LinePattern.Dashed;
        guess.Color = Colors.Gray;
        guess.LegendText = "chance (AUC 0.5)";
        for (int i = 0; i < curves.Count; i++)
        {
            var curve = curves[i];
            if (double.IsNaN(curve.Area)) continue;  // one class only: there is no curve to draw
            var line = plot.Add.ScatterLine(curve.FalsePositiveRates.ToArray(), curve.TruePositiveRates.ToArray());
            line.LineWidth = 2;
            line.LegendText = $"{names[i]} (AUC {curve.Area.ToString("0.000", CultureInfo.InvariantCulture)})";
        }
        plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
        plot.Title(curves.Count == 1 ? "ROC curve" : "ROC curves (one vs rest)");
        plot.XLabel("False-positive rate (1 − specificity)");
        plot.YLabel("True-positive rate (sensitivity)");
        plot.ShowLegend(Alignment.LowerRight);
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
