using ScottPlot;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Reporting.Plots;

/// <summary>
/// Training history as a PNG with two panels: loss (train and validation) and accuracy (train, validation and
/// validation ROC-AUC) per epoch, with a dotted line where the training phase changes (e.g. head → fine-tune).
/// Epochs without a validation value (NaN) are left out of the validation lines.
/// </summary>
public static class TrainingCurvesPlot
{
    /// <summary>Renders <paramref name="epochs"/>.</summary>
    /// <param name="epochs">One row per epoch, in order.</param>
    /// <param name="width">Image width in pixels (both panels); default 1200.</param>
    /// <param name="height">Image height in pixels; default 500.</param>
    /// <returns>PNG bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="epochs"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="epochs"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 100×100.</exception>
    public static byte[] Render(IReadOnlyList<EpochMetrics> epochs, int width = 1200, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        if (epochs.Count == 0) throw new ArgumentException("No epochs to plot: the training history is empty.", nameof(epochs));

        using var loss = new Plot();
        AddSeries(loss, epochs, e => e.TrainLoss, "train loss", Colors.Blue, dashed: false);
        AddSeries(loss, epochs, e => e.ValidationLoss, "validation loss", Colors.OrangeRed, dashed: false);
        Finish(loss, epochs, "Loss", "loss", Alignment.UpperRight);

        using var accuracy = new Plot();
        AddSeries(accuracy, epochs, e => e.TrainAccuracy, "train accuracy", Colors.Blue, dashed: false);
        AddSeries(accuracy, epochs, e => e.ValidationAccuracy, "validation accuracy", Colors.OrangeRed, dashed: false);
        AddSeries(accuracy, epochs, e => e.ValidationRocAuc, "validation ROC-AUC", Colors.Green, dashed: true);
        Finish(accuracy, epochs, "Accuracy", "accuracy / AUC", Alignment.LowerRight);

        return PlotImage.Png(width, height, loss, accuracy);
    }

    /// <summary>Renders <paramref name="epochs"/> to a PNG file (written atomically).</summary>
    /// <param name="path">Destination .png path; its folder is created.</param>
    /// <param name="epochs">One row per epoch, in order.</param>
    /// <param name="width">Image width in pixels; default 1200.</param>
    /// <param name="height">Image height in pixels; default 500.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="epochs"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, IReadOnlyList<EpochMetrics> epochs, int width = 1200, int height = 500) =>
        PlotImage.Save(path, Render(epochs, width, height));

    private static void AddSeries(Plot plot, IReadOnlyList<EpochMetrics> epochs, Func<EpochMetrics, double> value,
        string name, Color color, bool dashed)
    {
        var points = epochs.Where(e => double.IsFinite(value(e))).ToArray();
        if (points.Length == 0) return;
        var line = plot.Add.Scatter(points.Select(e => (double)e.Epoch).ToArray(), points.Select(value).ToArray());
        line.LegendText = name;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 6;
        if (dashed) line.LinePattern = LinePattern.Dashed;
    }

    private static void Finish(Plot plot, IReadOnlyList<EpochMetrics> epochs, string title, string yLabel, Alignment legend)
    {
        for (int i = 1; i < epochs.Count; i++)
            if (epochs[i].Phase != epochs[i - 1].Phase)
            {
                var boundary = plot.Add.VerticalLine(epochs[i].Epoch - 0.5);
                boundary.LinePattern = LinePattern.Dotted;
                boundary.Color = Colors.Gray;
                boundary.Text = epochs[i].Phase;
                boundary.LabelOppositeAxis = true;
            }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
    }
}
