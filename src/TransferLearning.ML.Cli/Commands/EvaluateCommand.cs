using System.CommandLine;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl evaluate</c>: a saved model on any folder-per-class test set.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var data = new Option<string>("--data") { Description = "Test images: a folder with one sub-folder per class, named as in training.", Required = true };
        var output = new Option<string?>("--out") { Description = "Write metrics.json (and predictions.csv) into this folder." };
        var skipUnreadable = CliOptions.SkipUnreadable();
        var maxMegapixels = CliOptions.MaxMegapixels();
        var tta = new Option<int>("--tta") { Description = "Test-time augmentation: average over this many augmented views besides the original.", DefaultValueFactory = _ => 0 };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples for 95 % confidence intervals (0: none).", DefaultValueFactory = _ => 1000 };
        var command = new Command("evaluate", "Evaluate a saved model on a folder-per-class test set.") { model, data, output, tta, bootstrap, skipUnreadable, maxMegapixels };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(token =>
        {
            if (parse.GetValue(output) is { } outFolder) CliOptions.PrepareOutput(outFolder, "--out");
            using var loaded = TransferModel.Load(parse.GetValue(model)!);
            loaded.MaxImagePixels = CliOptions.Pixels(parse.GetValue(maxMegapixels));
            bool skip = parse.GetValue(skipUnreadable);
            var dataset = CliOptions.LoadFolder(parse.GetValue(data)!, "--data", loaded.ClassNames, null, null, 0, skip);
            var skipped = new List<TransferLearning.ML.Data.SkippedFile>(dataset.Skipped);
            var metrics = ModelEvaluator.Evaluate(loaded, dataset, new EvaluationOptions
            {
                TtaViews = parse.GetValue(tta), BootstrapSamples = parse.GetValue(bootstrap),
                SkipUnreadableImages = skip, ImageSkipped = file => { lock (skipped) skipped.Add(file); },
            }, token);
            RunOutput.PrintSkipped(skipped);
            if (parse.GetValue(output) is { } directory)
            {
                Directory.CreateDirectory(directory);
                MetricsJson.Write(Path.Combine(directory, "metrics.json"), metrics, new Dictionary<string, object?>
                {
                    ["split"] = "test", ["model"] = Path.GetFullPath(parse.GetValue(model)!), ["data"] = Path.GetFullPath(parse.GetValue(data)!),
                    ["skippedFiles"] = skipped.Select(f => new Dictionary<string, string> { ["path"] = f.Path, ["reason"] = f.Reason }).ToArray(),
                });
            }
            RunOutput.PrintSummary(metrics, "test", null, null);
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }
}
