using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl ensemble</c>: saved models averaged into one model (one ONNX graph), optionally scored and thresholded on validation images.</summary>
internal static class EnsembleCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--models")
        {
            Description = "Two or more models saved by `tl train` (*.tlmodel) with the same classes, image size and resize mode.",
            Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore,
        };
        var weights = new Option<double[]?>("--weights")
        {
            Description = "One positive weight per --models file, in the same order (normalised to sum 1). Default: equal weights.",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "The ensemble model file to write (*.tlmodel).", Required = true };
        var validation = new Option<string?>("--validation")
        {
            Description = "Validation images (folder per class): every model and the ensemble are scored there, the ensemble's two-class threshold is chosen there by --threshold and its scores recorded.",
        };
        var threshold = new Option<string>("--threshold")
        {
            Description = "Two classes, with --validation: default (0.5), youden, sensitivity:0.95, specificity:0.9, prevalence:0.625 (the positive class's share where the model will be used) or a number. Without --validation the ensemble uses 0.5.",
            DefaultValueFactory = _ => "default",
        };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples for the 95 % intervals of the --validation scores (0: none).", DefaultValueFactory = _ => 1000 };
        var command = new Command("ensemble",
            "Average saved models into one model: one ONNX graph with each model's graph and preprocessing side by side and the mean of their class probabilities.")
        {
            models, weights, output, validation, threshold, bootstrap,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(token =>
        {
            string[] paths = parse.GetValue(models) ?? [];
            if (paths.Length < 2)
                throw new ArgumentException($"--models needs at least two model files (got {paths.Length}), e.g. --models a.tlmodel b.tlmodel.");
            double[]? weightValues = parse.GetValue(weights);
            if (weightValues is { Length: > 0 } && weightValues.Length != paths.Length)
                throw new ArgumentException($"--weights has {weightValues.Length} values for {paths.Length} --models files: give one per model, in the same order.");
            int bad = weightValues is null ? -1 : Array.FindIndex(weightValues, w => !double.IsFinite(w) || w <= 0);
            if (bad >= 0)
                throw new ArgumentException($"--weights {weightValues![bad].ToString(CultureInfo.InvariantCulture)}: every weight must be a positive number, e.g. --weights 1 1.");
            string policyText = parse.GetValue(threshold)!;
            var policy = CliOptions.Threshold(policyText);
            string? validationFolder = parse.GetValue(validation);
            if (validationFolder is null && policy != ThresholdPolicy.Default)
                throw new ArgumentException($"--threshold {policyText} needs --validation DIR: the ensemble's threshold is chosen on validation images.");
            string outPath = parse.GetValue(output)!;
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } folder) CliOptions.PrepareOutput(folder, "--out");

            var loaded = new List<TransferModel>();
            try
            {
                foreach (string path in paths) loaded.Add(TransferModel.Load(path));
                TransferModel ensemble;
                try
                {
                    ensemble = TransferModel.Ensemble(loaded, weightValues is { Length: > 0 } ? weightValues : null);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException(InCliWords(e.Message, paths), e);
                }
                using (ensemble)
                {
                    TransferModel final = ensemble;
                    if (validationFolder is not null)
                    {
                        var data = CliOptions.LoadFolder(validationFolder, "--validation", ensemble.ClassNames, null, null, 0, skipUnreadable: false);
                        final = ensemble.WithValidation(data, policy, token);
                        var options = new EvaluationOptions { BootstrapSamples = parse.GetValue(bootstrap) };
                        var table = new Table().AddColumn("model").AddColumn("validation accuracy").AddColumn("validation ROC-AUC").AddColumn("threshold");
                        for (int i = 0; i < loaded.Count; i++)
                            AddRow(table, $"{Path.GetFileName(paths[i])} ({loaded[i].BackboneName})", loaded[i],
                                ModelEvaluator.Evaluate(loaded[i], data, options, token));
                        AddRow(table, "ensemble", final, ModelEvaluator.Evaluate(final, data, options, token));
                        AnsiConsole.Write(table);
                    }
                    using (final == ensemble ? null : final)
                    {
                        final.Save(outPath);
                        string threshold = final.DecisionThreshold is double t ? t.ToString("0.####", CultureInfo.InvariantCulture) : "argmax";
                        Console.WriteLine($"ensemble of {loaded.Count} models ({final.BackboneName}), weights " +
                            $"{final.TrainingOptions["ensemble.weights"]}, classes: {string.Join(", ", final.ClassNames)}, threshold {threshold}");
                        Console.WriteLine($"model:  {Path.GetFullPath(outPath)}");
                    }
                }
            }
            finally
            {
                foreach (var model in loaded) model.Dispose();
            }
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }

    private static void AddRow(Table table, string name, TransferModel model, ClassificationMetrics metrics)
    {
        static string WithInterval(double value, ConfidenceInterval? interval) => double.IsNaN(value) ? "n/a"
            : value.ToString("F4", CultureInfo.InvariantCulture) + (interval is { } ci && !double.IsNaN(ci.Lower)
                ? string.Create(CultureInfo.InvariantCulture, $" (95% CI {ci.Lower:F3}–{ci.Upper:F3})") : "");
        table.AddRow(new Text(name), new Text(WithInterval(metrics.Accuracy, metrics.ConfidenceIntervals?.Accuracy)),
            new Text(WithInterval(metrics.RocAuc, metrics.ConfidenceIntervals?.RocAuc)),
            new Text(model.DecisionThreshold is double t ? t.ToString("0.####", CultureInfo.InvariantCulture) : "argmax"));
    }

    /// <summary>The library's <c>members[i]</c> replaced by the --models file it came from, and API hints by CLI ones.</summary>
    private static string InCliWords(string message, string[] paths)
    {
        for (int i = paths.Length - 1; i >= 0; i--) message = message.Replace($"members[{i}]", $"--models {paths[i]}", StringComparison.Ordinal);
        return message
            .Replace(" (Parameter 'members')", "", StringComparison.Ordinal)
            .Replace(" (Parameter 'weights')", "", StringComparison.Ordinal)
            .Replace("(or load the data with ImageDatasetOptions.ClassNames set to one list)", "(tl train --classes with one list for every model)", StringComparison.Ordinal)
            .Replace("(ImagePreprocessing, TransferLearner.WithPreprocessing)", "(tl train --image-size)", StringComparison.Ordinal);
    }
}
