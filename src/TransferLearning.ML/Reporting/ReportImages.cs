using TransferLearning.ML.Reporting.Plots;

namespace TransferLearning.ML.Reporting;

/// <summary>The report's figures as PNG bytes, rendered once and shared by the HTML and the files beside it.</summary>
internal sealed record ReportImages(byte[]? TrainingCurves, byte[]? ConfusionMatrix, byte[]? RocCurves, byte[]? Reliability)
{
    public static ReportImages Render(RunReport report, CancellationToken cancellationToken)
    {
        byte[]? curves = report.History.Count > 0 ? TrainingCurvesPlot.Render(report.History) : null;
        cancellationToken.ThrowIfCancellationRequested();
        if (report.Metrics is not { } metrics) return new ReportImages(curves, null, null, null);
        byte[] confusion = ConfusionMatrixPlot.Render(metrics.ConfusionMatrix);
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? roc = metrics.RocCurves.Any(c => !double.IsNaN(c.Area)) ? RocCurvePlot.Render(metrics) : null;
        cancellationToken.ThrowIfCancellationRequested();
        return new ReportImages(curves, confusion, roc, ReliabilityDiagramPlot.Render(metrics));
    }
}
