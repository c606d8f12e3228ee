using System.CommandLine;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl export</c>: write a saved model as a standard ONNX file.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var output = new Option<string>("--out") { Description = "The ONNX file to write.", Required = true };
        var command = new Command("export", "Export a saved model as a standard ONNX model (outputs: probabilities, logits; preprocessing in its metadata).") { model, output };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(_ =>
        {
            using var loaded = TransferModel.Load(parse.GetValue(model)!);
            string path = parse.GetValue(output)!;
            loaded.ExportOnnx(path);
            Console.WriteLine($"exported {Path.GetFullPath(path)} (input {loaded.Preprocessing.Channels}x{loaded.Preprocessing.Height}x{loaded.Preprocessing.Width}, classes: {string.Join(", ", loaded.ClassNames)})");
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }
}
