using System.CommandLine;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Models;
using TransferLearning.ML.Reporting;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl report</c>: the HTML evaluation report of a saved model on a folder-per-class test set.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var data = new Option<string>("--data") { Description = "Test images: a folder with one sub-folder per class.", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder for report.html, metrics.json and plots.", Required = true };
        var skipUnreadable = CliOptions.SkipUnreadable();
        var maxMegapixels = CliOptions.MaxMegapixels();
        var tta = new Option<int>("--tta") { Description = "Test-time augmentation views besides the original.", DefaultValueFactory = _ => 0 };
        var examples = new Option<int>("--examples") { Description = "Most confidently wrong images shown, with Grad-CAM.", DefaultValueFactory = _ => 8 };
        var command = new Command("report", "Write an HTML evaluation report (metrics, confusion matrix, ROC, Grad-CAM of mistakes) for a saved model.")
        {
            model, data, output, tta, examples, skipUnreadable, maxMegapixels,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(token =>
        {
            CliOptions.PrepareOutput(parse.GetValue(output)!, "--out");
            using var loaded = TransferModel.Load(parse.GetValue(model)!);
            loaded.MaxImagePixels = CliOptions.Pixels(parse.GetValue(maxMegapixels));
            bool skip = parse.GetValue(skipUnreadable);
            var dataset = CliOptions.LoadFolder(parse.GetValue(data)!, "--data", loaded.ClassNames, null, null, 0, skip);
            var skipped = new List<TransferLearning.ML.Data.SkippedFile>(dataset.Skipped);
            string report = RunReportBuilder.WriteEvaluation(parse.GetValue(output)!, loaded, dataset,
                new EvaluationOptions
                {
                    TtaViews = parse.GetValue(tta), SkipUnreadableImages = skip, ImageSkipped = file => { lock (skipped) skipped.Add(file); },
                },
                new RunReportOptions { ConfidentlyWrongLimit = parse.GetValue(examples) }, token);
            RunOutput.PrintSkipped(skipped);
            Console.WriteLine($"report: {Path.GetFullPath(report)}");
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }
}
