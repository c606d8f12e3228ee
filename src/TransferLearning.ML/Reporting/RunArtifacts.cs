using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Reporting;

/// <summary>
/// The files a run leaves in its output folder: <c>report.html</c>, <c>metrics.json</c>, <c>history.csv</c> and the
/// figures as PNG under <c>plots/</c>. Each file is written atomically; a file whose content is missing from the
/// report (no metrics, no history) is not written and its path is null.
/// </summary>
/// <param name="ReportHtml">Path of report.html.</param>
/// <param name="MetricsJson">Path of metrics.json, or null without metrics.</param>
/// <param name="HistoryCsv">Path of history.csv, or null without history.</param>
/// <param name="Plots">Paths of the PNG figures written.</param>
public sealed record RunArtifacts(string ReportHtml, string? MetricsJson, string? HistoryCsv, IReadOnlyList<string> Plots)
{
    /// <summary>Writes all files of <paramref name="report"/> into <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">Output folder of the run.</param>
    /// <param name="report">What to write.</param>
    /// <param name="extraMetrics">Extra top-level entries for metrics.json (see <see cref="Reporting.MetricsJson.Write"/>); default none.</param>
    /// <param name="cancellationToken">Stops between files.</param>
    /// <returns>The paths written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty or the report is inconsistent.</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static RunArtifacts Write(string directory, RunReport report,
        IReadOnlyDictionary<string, object?>? extraMetrics = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(report);
        var images = ReportImages.Render(report, cancellationToken);
        var plots = new List<string>();
        void Plot(string name, byte[]? png)
        {
            if (png is null) return;
            string path = Path.Combine(directory, "plots", name);
            AtomicFile.WriteAllBytes(path, png);
            plots.Add(path);
        }
        Plot("training-curves.png", images.TrainingCurves);
        Plot("confusion-matrix.png", images.ConfusionMatrix);
        Plot("roc-curves.png", images.RocCurves);
        Plot("reliability-diagram.png", images.Reliability);
        cancellationToken.ThrowIfCancellationRequested();

        string? metricsPath = null, historyPath = null;
        if (report.Metrics is { } metrics)
            Reporting.MetricsJson.Write(metricsPath = Path.Combine(directory, "metrics.json"), metrics, extraMetrics);
        if (report.History.Count > 0)
            Reporting.HistoryCsv.Write(historyPath = Path.Combine(directory, "history.csv"), report.History);
        string html = Path.Combine(directory, "report.html");
        AtomicFile.WriteAllText(html, HtmlReport.Render(report, images));
        return new RunArtifacts(html, metricsPath, historyPath, plots);
    }
}
