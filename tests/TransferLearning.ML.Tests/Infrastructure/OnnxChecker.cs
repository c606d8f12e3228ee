namespace TransferLearning.ML.Tests.Infrastructure;

/// <summary>
/// The reference ONNX checker (<c>onnx.checker.check_model(model, full_check=True)</c>, shape inference included)
/// run in a python3 that has the <c>onnx</c> package (Debian: python3-onnx): <c>TL_PYTHON</c> when set, else the
/// first of <c>python3</c> on the PATH and <c>/usr/bin/python3</c> that imports it.
/// </summary>
public static class OnnxChecker
{
    private const string Script =
        "import sys, onnx\n" +
        "m = onnx.load(sys.argv[1])\n" +
        "onnx.checker.check_model(m, full_check=True)\n" +
        "print('ok', onnx.__version__)\n";

    private static readonly Lazy<string?> s_python = new(FindPython);

    /// <summary>The python3 to run, or null when none has onnx.</summary>
    public static string? Python => s_python.Value;

    /// <summary>Why the checker cannot run, or null when it can.</summary>
    public static string? Unavailable => Python is null
        ? "needs python3 with the onnx package (Debian: apt-get install python3-onnx; or set TL_PYTHON)"
        : null;

    /// <summary>Checks the model file; the result's output holds the checker's message when it fails.</summary>
    public static ProcessRunner.Result Check(string path) =>
        ProcessRunner.Run(Python ?? throw new InvalidOperationException(Unavailable), $"-c \"{Script}\" \"{path}\"",
            Path.GetDirectoryName(path)!, TimeSpan.FromMinutes(2));

    private static string? FindPython()
    {
        string[] candidates = Environment.GetEnvironmentVariable("TL_PYTHON") is { Length: > 0 } configured
            ? [configured]
            : ["python3", "/usr/bin/python3"];
        foreach (string candidate in candidates)
        {
            try
            {
                var result = ProcessRunner.Run(candidate, "-c \"import onnx\"", AppContext.BaseDirectory, TimeSpan.FromSeconds(30));
                if (result.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed
            }
        }
        return null;
    }
}
