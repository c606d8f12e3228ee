using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Cli;

/// <summary>
/// Runs a command body and turns every exception into one line on stderr and a documented exit code
/// (<see cref="ExitCodes"/>); no stack trace unless <c>TL_DEBUG=1</c>.
/// </summary>
internal static class CommandRunner
{
    public static int Run(Func<CancellationToken, int> body, CancellationToken cancellationToken)
    {
        try
        {
            return body(cancellationToken);
        }
        catch (Exception e)
        {
            var (code, message) = Describe(e);
            Error(message);
            if (Environment.GetEnvironmentVariable("TL_DEBUG") is "1" or "true") Console.Error.WriteLine(e);
            return code;
        }
    }

    /// <summary>The exit code and the one line for an exception (in the CLI's words: flags, not API members).</summary>
    internal static (int Code, string Message) Describe(Exception e) => e switch
    {
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled. With --checkpoints, run the same command again to resume."),
        ImageTooLargeException big => (ExitCodes.InputError,
            $"{big.Problem} Downscale it, pass --max-megapixels {Math.Ceiling(big.Pixels / 1e6):0} to accept it, or --skip-unreadable to leave it out."),
        OnnxModelException onnx when onnx.Message.Contains("graph-only", StringComparison.Ordinal) => (ExitCodes.InputError,
            $"{onnx.FilePath ?? "--weights"}: the graph lists its weights as graph inputs (a graph-only export without trained weights), so it " +
            "cannot extract features. Export the model with its weights (e.g. torch.onnx.export(..., export_params=True))."),
        OnnxModelException onnx when onnx.FilePath is { } file && !onnx.Message.Contains(file, StringComparison.Ordinal) =>
            (ExitCodes.InputError, $"{file}: {CliWords(OneLine(onnx.Message))}"),
        ImageDataException or ModelFileException or OnnxModelException or TransferLearning.ML.Onnx.OnnxModuleException
            or FileNotFoundException or DirectoryNotFoundException => (ExitCodes.InputError, CliWords(e.Message)),
        InvalidDataException => (ExitCodes.InputError, CliWords(OneLine(e.Message)) +
            (e.Message.Contains("checkpoint", StringComparison.OrdinalIgnoreCase)
                ? " Rerun with the same options to resume, or delete the --checkpoints folder (or pass another) to start afresh." : "")),
        OnnxRuntimeException => (ExitCodes.InputError,
            $"ONNX Runtime cannot run the model: {OneLine(e.Message)}. Check that --weights / --model is an intact ONNX image classifier."),
        BackboneUnavailableException => (ExitCodes.BackboneUnavailable, e.Message),
        NotSupportedException => (ExitCodes.InputError, CliWords(OneLine(e.Message))),
        ArgumentException or InvalidOperationException => (ExitCodes.Usage, CliWords(OneLine(e.Message))),
        UnauthorizedAccessException => (ExitCodes.IoError, $"{OneLine(e.Message)} Check the permissions of the file or folder (or choose another --out)."),
        IOException => (ExitCodes.IoError, OneLine(e.Message) + (e.Message.StartsWith("--", StringComparison.Ordinal) ? "" : " Check free disk space and the --out folder.")),
        OutOfMemoryException or InsufficientExecutionStackException => (ExitCodes.OutOfMemory,
            "out of memory. Lower --batch-size (or --image-size), or close other programs."),
        ExternalException => (ExitCodes.InputError,
            $"the native runtime (libtorch) failed: {OneLine(e.Message)}. Check that the backbone (--weights) is an NCHW image CNN and the options fit it."),
        _ => (ExitCodes.Failure, $"unexpected {e.GetType().Name}: {OneLine(e.Message)} This is a bug: rerun with TL_DEBUG=1 for the stack trace and report it."),
    };

    /// <summary>API member names in library messages replaced by the flags that set them.</summary>
    internal static string CliWords(string message) => message
        .Replace("pass SkipUnreadableImages = true", "pass --skip-unreadable", StringComparison.Ordinal)
        .Replace("SkipUnreadableImages = true", "--skip-unreadable", StringComparison.Ordinal)
        .Replace("Downscale the image, or raise MaxImagePixels (BatchLoaderOptions.MaxImagePixels, ImageLoadingOptions.MaxImagePixels, TransferModel.MaxImagePixels) if it is genuine.",
            "Downscale it, or pass a larger --max-megapixels if it is genuine.", StringComparison.Ordinal)
        .Replace("Cut the graph before it with OnnxModuleOptions.OutputName", "Train with --mode features (ONNX Runtime runs the whole graph), choose an earlier --feature-tensor", StringComparison.Ordinal)
        .Replace("delete it or use another checkpoint folder to start afresh", "it was written by another command", StringComparison.Ordinal);

    /// <summary>The first line of a message (native libraries append their own stack traces).</summary>
    private static string OneLine(string message)
    {
        string line = message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault() ?? "";
        return line.Length > 400 ? line[..400] + "…" : line;
    }

    public static void Error(string message) => Console.Error.WriteLine($"tl: error: {message}");

    public static void Info(string message)
    {
        if (Console.IsOutputRedirected) Console.WriteLine(Markup.Remove(message));
        else AnsiConsole.MarkupLine(message);
    }
}
