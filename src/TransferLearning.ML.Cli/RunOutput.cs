using System.Globalization;
using Spectre.Console;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Cli;

/// <summary>Writes a training run's files and prints its summary.</summary>
internal static class RunOutput
{
    public static void Write(string directory, TrainingResult result)
    {
        Directory.CreateDirectory(directory);
        string modelPath = Path.Combine(directory, "model.tlmodel");
        result.Model.Save(modelPath);
        var metrics = result.Metrics ?? throw new InvalidOperationException("No validation or test images: nothing to evaluate.");
        string split = result.TestMetrics is null ? "validation" : "test";
        // report.html, metrics.json (top-level accuracy and rocAuc of the evaluated split), history.csv and plots
        string report = Report.Write(directory, result);
        PrintSummary(metrics, split, modelPath, report);
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
        if (modelPath is not null) Console.WriteLine($"model:  {Path.GetFullPath(modelPath)}");
        if (reportPath is not null) Console.WriteLine($"report: {Path.GetFullPath(reportPath)}");
    }
}
