using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
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

        var loss = PlotImage.NewPlot("Loss");
        AddSeries(loss, epochs, e => e.TrainLoss, "train loss", OxyColors.Blue, dashed: false);
        AddSeries(loss, epochs, e => e.ValidationLoss, "validation loss", OxyColors.OrangeRed, dashed: false);
        Finish(loss, epochs, "loss", LegendPosition.TopRight);

        var accuracy = PlotImage.NewPlot("Accuracy");
        AddSeries(accuracy, epochs, e => e.TrainAccuracy, "train accuracy", OxyColors.Blue, dashed: false);
        AddSeries(accuracy, epochs, e => e.ValidationAccuracy, "validation accuracy", OxyColors.OrangeRed, dashed: false);
        AddSeries(accuracy, epochs, e => e.ValidationRocAuc, "validation ROC-AUC", OxyColors.Green, dashed: true);
        Finish(accuracy, epochs, "accuracy / AUC", LegendPosition.BottomRight);

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

    private static void AddSeries(PlotModel plot, IReadOnlyList<EpochMetrics> epochs, Func<EpochMetrics, double> value,
        string name, OxyColor color, bool dashed)
    {
        var points = epochs.Where(e => double.IsFinite(value(e))).ToArray();
        if (points.Length == 0) return;
        var line = new LineSeries
        {
            Title = name,
            Color = color,
            StrokeThickness = 2,
            MarkerType = MarkerType.Circle,
            MarkerSize = 3,
            MarkerFill = color,
            LineStyle = dashed ? LineStyle.Dash : LineStyle.Solid,
        };
        foreach (var e in points) line.Points.Add(new DataPoint(e.Epoch, value(e)));
        plot.Series.Add(line);
    }

    private static void Finish(PlotModel plot, IReadOnlyList<EpochMetrics> epochs, string yLabel, LegendPosition legend)
    {
        for (int i = 1; i < epochs.Count; i++)
            if (epochs[i].Phase != epochs[i - 1].Phase)
                plot.Annotations.Add(new LineAnnotation
                {
                    Type = LineAnnotationType.Vertical,
                    X = epochs[i].Epoch - 0.5,
                    LineStyle = LineStyle.Dot,
                    Color = OxyColors.Gray,
                    Text = epochs[i].Phase,
                    TextColor = OxyColors.DimGray,
                });
        var epoch = PlotImage.Axis(AxisPosition.Bottom, "epoch");
        epoch.MinimumMajorStep = 1;  // whole epochs only
        epoch.MinimumMinorStep = 1;
        epoch.StringFormat = "0";
        plot.Axes.Add(epoch);
        plot.Axes.Add(PlotImage.Axis(AxisPosition.Left, yLabel));
        plot.Legends.Add(PlotImage.Legend(legend));
    }
}
