using Spectre.Console;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Cli;

/// <summary>Runs a command body and turns the library's exceptions into a clear message and an exit code.</summary>
internal static class CommandRunner
{
    public static int Run(Func<CancellationToken, int> body, CancellationToken cancellationToken)
    {
        try
        {
            return body(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Error("cancelled. With --checkpoints, run the same command again to resume.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ImageDataException or ModelFileException or OnnxModelException
                                       or TransferLearning.ML.Onnx.Module.OnnxModuleException)
        {
            Error(e.Message);
            return ExitCodes.InputError;
        }
        catch (BackboneUnavailableException e)
        {
            Error(e.Message);
            return ExitCodes.BackboneUnavailable;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Error(e.Message);
            return ExitCodes.Usage;
        }
    }

    public static void Error(string message) => Console.Error.WriteLine($"tl: error: {message}");

    public static void Info(string message)
    {
        if (Console.IsOutputRedirected) Console.WriteLine(Markup.Remove(message));
        else AnsiConsole.MarkupLine(message);
    }
}
