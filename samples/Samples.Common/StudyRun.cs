using System.Globalization;
using Spectre.Console;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Reporting;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Samples;

/// <summary>The parts of a study sample around training: progress, saving, report, a few predictions, the summary.</summary>
public static class StudyRun
{
    /// <summary>Runs <paramref name="body"/> and turns the library's input errors into a message and exit code 2.</summary>
    public static int Main(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is BackboneUnavailableException or FileNotFoundException or DirectoryNotFoundException
                                       or ImageDataException or ArgumentException or ModelFileException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Prints one line per finished epoch.</summary>
    public static IProgress<TrainingProgress> EpochLines() => new EpochPrinter();

    /// <summary>Loads a folder-per-class dataset, applying the sample's --max-per-class.</summary>
    public static ImageDataset LoadFolder(string folder, SampleArguments arguments, IReadOnlyCollection<string>? classes = null,
        IReadOnlyList<string>? classNames = null)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(
                $"Dataset folder {folder} not found. Pass --data <folder with one sub-folder per class>, or put the project's shared/ folder beside the checkout.");
        return ImageDataset.FromFolder(folder, new ImageDatasetOptions
        {
            Classes = classes, ClassNames = classNames, MaxImagesPerClass = arguments.MaxImagesPerClass, Seed = arguments.Seed,
            GroupPattern = arguments.GroupPattern,
        });
    }

    /// <summary>Saves the model, writes the report, predicts a few test images and prints the summary. Returns the report path.</summary>
    public static string Finish(string title, TrainingResult result, SampleArguments arguments, string? subfolder = null)
    {
        string directory = subfolder is null ? arguments.Output : Path.Combine(arguments.Output, subfolder);
        Directory.CreateDirectory(directory);
        string modelPath = Path.Combine(directory, "model.tlmodel");
        // saved first, so nothing that fails afterwards (report, example predictions) can lose the trained model
        result.Model.Save(modelPath);
        Console.WriteLine($"model:  {Path.GetFullPath(modelPath)}");
        string report = RunReportBuilder.Write(directory, result, new RunReportOptions { Title = title });

        var test = result.Splits.Test.Count > 0 ? result.Splits.Test : result.Splits.Validation;
        foreach (var sample in test.Samples.Take(3))
        {
            if (sample.Source.Path is not { } path) continue;
            try
            {
                Prediction p = result.Model.Predict(path);
                Console.WriteLine($"  {Path.GetFileName(path)}: predicted {p.Label} ({p.Confidence:P1}), true {test.ClassNames[sample.Label]}");
            }
            catch (ImageDataException e)
            {
                Console.WriteLine($"  {Path.GetFileName(path)}: not predicted ({e.Message})");
            }
        }
        Summary(title, [(result.Model.Mode.ToString(), result)]);
        if (result.SkippedFiles.Count > 0)
            Console.WriteLine($"skipped: {result.SkippedFiles.Count} file(s), listed in the report (first: {result.SkippedFiles[0]})");
        Console.WriteLine($"report: {Path.GetFullPath(report)}");
        return report;
    }

    /// <summary>A table with one row per run: accuracy, balanced accuracy, ROC-AUC, quadratic kappa, time.</summary>
    public static void Summary(string title, IReadOnlyList<(string Name, TrainingResult Result)> runs)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("run").AddColumn("split").AddColumn("accuracy")
            .AddColumn("balanced acc.").AddColumn("ROC-AUC").AddColumn("quadratic κ").AddColumn("seconds");
        foreach (var (name, result) in runs)
        {
            var m = result.Metrics;
            string F(double? v) => v is double d && !double.IsNaN(d) ? d.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
            table.AddRow(Markup.Escape(name), result.TestMetrics is null ? "validation" : "test", F(m?.Accuracy), F(m?.BalancedAccuracy),
                F(m?.RocAuc), F(m?.QuadraticWeightedKappa), result.Timings.Total.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
    }

    private sealed class EpochPrinter : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.EpochResult is { } e)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epoch {e.Epoch}/{p.TotalEpochs} {e.Phase,-8} loss {e.TrainLoss:F4}  val loss {e.ValidationLoss:F4}  val acc {e.ValidationAccuracy:F4}  val auc {e.ValidationRocAuc:F4}  ({e.Seconds:F0}s)"));
        }
    }
}
