using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl predict</c>: classify image files with a saved model.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, BMP) or folders of them.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per image instead of a table." };
        var maxMegapixels = CliOptions.MaxMegapixels();
        var command = new Command("predict", "Classify images with a saved model.") { model, images, json, maxMegapixels };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(token =>
        {
            using var loaded = TransferModel.Load(parse.GetValue(model)!);
            loaded.MaxImagePixels = CliOptions.Pixels(parse.GetValue(maxMegapixels));
            var files = Expand(parse.GetValue(images)!);
            var predictions = loaded.Predict(files, cancellationToken: token);
            if (parse.GetValue(json))
            {
                for (int i = 0; i < files.Count; i++)
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        image = files[i],
                        label = predictions[i].Label,
                        // two classes: the label is the second class when its probability reaches this threshold
                        threshold = loaded.ClassNames.Count == 2 ? loaded.DecisionThreshold ?? 0.5 : (double?)null,
                        probabilities = loaded.ClassNames.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => predictions[i].Probabilities[p.k]),
                    }));
                return ExitCodes.Success;
            }
            var table = new Table().AddColumn("image").AddColumn("prediction");
            foreach (string name in loaded.ClassNames) table.AddColumn(Markup.Escape(name));
            for (int i = 0; i < files.Count; i++)
                table.AddRow([Markup.Escape(files[i]), Markup.Escape(predictions[i].Label),
                    .. predictions[i].Probabilities.Select(p => p.ToString("F4", CultureInfo.InvariantCulture))]);
            AnsiConsole.Write(table);
            if (loaded.ClassNames.Count == 2)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"prediction: {loaded.ClassNames[1]} when P({loaded.ClassNames[1]}) >= {loaded.DecisionThreshold ?? 0.5:0.####} (the model's decision threshold), else {loaded.ClassNames[0]}"));
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }

    private static List<string> Expand(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp")
                    .Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else throw new FileNotFoundException($"{input}: no such image file or folder.", input);
        }
        if (files.Count == 0) throw new ArgumentException("No images found in the given folders (PNG, JPEG or BMP).");
        return files;
    }
}
