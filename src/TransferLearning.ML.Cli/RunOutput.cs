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

    /// <summary>Writes <c>crossvalidation.json</c> and prints the fold-by-fold table and the summary.</summary>
    public static void WriteCrossValidation(string directory, CrossValidationResult result)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "crossvalidation.json");
        TransferLearning.ML.Reporting.CrossValidationJson.Write(path, result);
        var table = new Table().AddColumn("metric").AddColumn("mean ± sd").AddColumn("95% CI").AddColumn("per fold");
        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F4", CultureInfo.InvariantCulture);
        static string G(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
        foreach (var metric in result.Summary)
            table.AddRow(new Text(metric.Name),
                new Text(double.IsNaN(metric.StandardDeviation) ? F(metric.Mean) : $"{F(metric.Mean)} ± {F(metric.StandardDeviation)}"),
                new Text(double.IsNaN(metric.Interval.Lower) ? "n/a" : $"{F(metric.Interval.Lower)}–{F(metric.Interval.Upper)}"),
                new Text(string.Join(" ", metric.PerFold.Select(G))));
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Folds.Count} folds of {result.Images.Count} images (held out: " +
            $"{string.Join(", ", result.Folds.Select(f => f.HeldOut.Count))}); ") + (result.ByGroup
            ? $"each of {result.GroupCount} groups (patients) kept in one fold"
            : "images dealt one by one (no patient groups)"));
        Console.WriteLine($"cross-validation: {Path.GetFullPath(path)}");
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
