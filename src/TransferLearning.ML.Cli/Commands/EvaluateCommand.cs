using System.CommandLine;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Models;
using TransferLearning.ML.Reporting;

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
            var options = new EvaluationOptions
            {
                TtaViews = parse.GetValue(tta), BootstrapSamples = parse.GetValue(bootstrap),
                SkipUnreadableImages = skip, ImageSkipped = file => { lock (skipped) skipped.Add(file); },
            };
            // scored once: the metrics and predictions.csv come from the same probabilities (rows of skipped images are NaN)
            float[,] all = ModelEvaluator.Probabilities(loaded, dataset, options, token);
            int[] read = Enumerable.Range(0, dataset.Count).Where(i => !float.IsNaN(all[i, 0])).ToArray();
            var probabilities = new float[read.Length, loaded.ClassNames.Count];
            for (int r = 0; r < read.Length; r++)
                for (int k = 0; k < loaded.ClassNames.Count; k++) probabilities[r, k] = all[read[r], k];
            var metrics = ModelEvaluator.FromProbabilities(loaded, read.Select(i => dataset.Samples[i].Label).ToArray(), probabilities, options, token);
            RunOutput.PrintSkipped(skipped);
            if (parse.GetValue(output) is { } directory)
            {
                Directory.CreateDirectory(directory);
                WritePredictions(Path.Combine(directory, "predictions.csv"), loaded, read.Select(i => dataset.Samples[i]).ToList(), probabilities, metrics.Threshold);
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

    /// <summary>One row per image: file, true and predicted class, and the probability of each class.</summary>
    private static void WritePredictions(string path, TransferModel model, IReadOnlyList<Data.ImageSample> samples, float[,] probabilities, double? threshold)
    {
        static string Quote(string text) => text.Contains(',') || text.Contains('"') || text.Contains('\n') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
        var csv = new System.Text.StringBuilder();
        csv.AppendJoin(',', new[] { "image", "true_class", "predicted_class" }.Concat(model.ClassNames.Select(c => Quote("p_" + c)))).Append('\n');
        int classes = model.ClassNames.Count;
        for (int i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            int predicted = classes == 2 && threshold is double t
                ? (probabilities[i, 1] >= t ? 1 : 0)
                : Enumerable.Range(0, classes).MaxBy(k => probabilities[i, k]);
            csv.Append(Quote(sample.Source.Path ?? sample.Source.DisplayName)).Append(',')
               .Append(Quote(model.ClassNames[sample.Label])).Append(',').Append(Quote(model.ClassNames[predicted]));
            for (int k = 0; k < classes; k++)
                csv.Append(',').Append(probabilities[i, k].ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, csv.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}
