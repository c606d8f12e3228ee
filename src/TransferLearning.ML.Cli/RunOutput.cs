using System.Globalization;
using Spectre.Console;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Cli;

/// <summary>Writes a training run's files and prints its summary.</summary>
internal static class RunOutput
{
    public static void Write(string directory, TrainingResult result)
    {
        Directory.CreateDirectory(directory);
        string modelPath = Path.Combine(directory, "model.tlmodel");
        // saved before anything else, so no failure in the report or the metrics can lose the trained model
        result.Model.Save(modelPath);
        Console.WriteLine($"model:  {Path.GetFullPath(modelPath)}");
        PrintSkipped(result.SkippedFiles);
        var metrics = result.Metrics ?? throw new InvalidOperationException(
            $"No validation or test images: nothing to evaluate (the model is saved at {modelPath}). Give --validation or a larger --val-fraction.");
        string split = result.TestMetrics is null ? "validation" : "test";
        // report.html, metrics.json (top-level accuracy and rocAuc of the evaluated split), history.csv and plots
        string report = Report.Write(directory, result);
        PrintSummary(metrics, split, null, report);
    }

    /// <summary>One line per skipped file (at most 20, then a count) on stderr, after a header line.</summary>
    public static void PrintSkipped(IReadOnlyList<TransferLearning.ML.Data.SkippedFile> skipped)
    {
        if (skipped.Count == 0) return;
        Console.Error.WriteLine($"tl: warning: {skipped.Count} file(s) skipped (--skip-unreadable or not images); they are listed in report.html and metrics.json:");
        foreach (var file in skipped.Take(20))
        {
            // the decoder's reason repeats the path in quotes: keep the path once
            string reason = CommandRunner.CliWords(file.Reason).Replace($"'{file.Path}' ", "", StringComparison.Ordinal);
            Console.Error.WriteLine($"  {file.Path}: {reason}");
        }
        if (skipped.Count > 20) Console.Error.WriteLine($"  … and {skipped.Count - 20} more");
    }

    public static void PrintSummary(ClassificationMetrics metrics, string split, string? modelPath, string? reportPath)
    {
        var table = new Table().AddColumn("metric").AddColumn($"{split}");
        void Row(string name, double value, ConfidenceInterval? interval = null) => table.AddRow(new Text(name), new Text(
            double.IsNaN(value) ? "n/a" : value.ToString("F4", CultureInfo.InvariantCulture)
            + (interval is { } ci && !double.IsNaN(ci.Lower) ? string.Create(CultureInfo.InvariantCulture, $" (95% CI {ci.Lower:F3}–{ci.Upper:F3})") : "")));
        Row("accuracy", metrics.Accuracy, metrics.ConfidenceIntervals?.Accuracy);
        Row("balanced accuracy", metrics.BalancedAccuracy);
        Row("ROC-AUC", metrics.RocAuc, metrics.ConfidenceIntervals?.RocAuc);
        if (metrics.IsBinary)
        {
            Row("sensitivity", metrics.Sensitivity);
            Row("specificity", metrics.Specificity);
        }
        Row("macro F1", metrics.Macro.F1);
        Row("quadratic kappa", metrics.QuadraticWeightedKappa);
        Row("log loss", metrics.LogLoss);
        AnsiConsole.Write(table);
        foreach (var (key, reason) in UndefinedMetrics.Reasons(metrics).Where(r => r.Key is "rocAuc" or "sensitivity" or "specificity" or "balancedAccuracy"))
            Console.WriteLine($"n/a {key}: {reason}");
        if (modelPath is not null) Console.WriteLine($"model:  {Path.GetFullPath(modelPath)}");
        if (reportPath is not null) Console.WriteLine($"report: {Path.GetFullPath(reportPath)}");
    }
}
