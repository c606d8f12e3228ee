using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace TransferLearning.ML.Runtime;

/// <summary>
/// Why TorchSharp's native library does not load, told from the dynamic loader's own words. TorchSharp blames a
/// missing libtorch package whatever the cause; on Linux the usual real cause is a <c>GLIBCXX_*</c> version that the
/// machine's libstdc++ lacks (an application built where the build step did not mark it weak, then run on Debian 12
/// or Ubuntu 22.04).
/// </summary>
internal static partial class NativeLoadDiagnosis
{
    /// <summary>TorchSharp's native library on Linux.</summary>
    internal const string TorchSharpFileName = "libLibTorchSharp.so";

    /// <summary>
    /// The reason <c>libLibTorchSharp.so</c> in <paramref name="directory"/> (default: the application folder) cannot
    /// be loaded, with what to do; null when it loads (or on other systems than Linux).
    /// </summary>
    public static string? TorchSharpLoadFailure(string? directory = null)
    {
        if (!OperatingSystem.IsLinux()) return null;
        string path = Path.Combine(directory ?? AppContext.BaseDirectory, TorchSharpFileName);
        if (!File.Exists(path))
            return $"{path} does not exist: the application references no libtorch backend. Add a PackageReference to " +
                   "libtorch-cpu-linux-x64 2.10.0 (or TorchSharp-cpu 0.107.0) next to TransferLearning.ML.";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return null;
        }
        catch (DllNotFoundException e)
        {
            return Explain(path, e.Message);
        }
    }

    /// <summary>A sentence for a loader message about <paramref name="path"/>.</summary>
    internal static string Explain(string path, string loaderMessage)
    {
        var version = MissingVersion().Match(loaderMessage);
        if (version.Success)
            return $"{path} needs {version.Groups["version"].Value} from {(version.Groups["library"].Success ? version.Groups["library"].Value : "libstdc++")}, which this machine's " +
                   "C++ runtime does not define. TransferLearning.ML's build step marks that requirement weak in the copy in the " +
                   "output folder when the machine it builds on lacks it (the one symbol of that version is never used): build or " +
                   "publish the application on a machine with this C++ runtime (e.g. this one) without " +
                   "<TransferLearningMLPatchLibTorchSharp>false</TransferLearningMLPatchLibTorchSharp>, or install a newer " +
                   $"libstdc++6. The loader said: {loaderMessage.Trim()}";
        return $"{path} cannot be loaded: {loaderMessage.Trim()}";
    }

    // glibc: "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by .../libLibTorchSharp.so)"
    [GeneratedRegex(@"(?<library>[^\s:]*libstdc\+\+\.so\.6)?:?\s*version [`'](?<version>(?:GLIBCXX|CXXABI)_[0-9.]+)' not found", RegexOptions.CultureInvariant)]
    private static partial Regex MissingVersion();
}
