using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace TransferLearning.ML.Runtime;

/// <summary>
/// Why TorchSharp's native library does not load, told from the dynamic loader's own words. TorchSharp blames a
/// missing libtorch package whatever the cause; on Linux the usual real cause is a <c>GLIBCXX_*</c> version that the
/// machine's libstdc++ lacks and that neither the build step nor <see cref="LibStdCxxCompatibility"/> at load time
/// could mark weak (a read-only application folder, or TorchSharp loaded before this library).
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
    /// <param name="path">The library the loader refused.</param>
    /// <param name="loaderMessage">What the loader said.</param>
    /// <param name="failure">Why the load-time fix could not rewrite the library (default: what it recorded in this process).</param>
    internal static string Explain(string path, string loaderMessage, LibStdCxxFailure? failure = null)
    {
        var version = MissingVersion().Match(loaderMessage);
        if (version.Success)
        {
            failure ??= LibStdCxxCompatibility.FailureFor(path);
            string runtimeFix = failure is not null
                ? $"TransferLearning.ML marks such a requirement weak when it first loads (the one symbol of that version is never used), but {failure.Reason}. "
                : "TransferLearning.ML marks such a requirement weak in that file when it first loads (the one symbol of that version is never used), unless " +
                  $"the AppContext switch {LibStdCxxCompatibility.DisableSwitch} is set or TorchSharp was loaded before TransferLearning.ML. ";
            return $"{path} needs {version.Groups["version"].Value} from {(version.Groups["library"].Success ? version.Groups["library"].Value : "libstdc++")}, which this machine's " +
                   "C++ runtime (libstdc++) does not define. " + runtimeFix +
                   "Fixes: run the application once as a user who may write to its folder (or `tl doctor` for the tool), so that the file is fixed; " +
                   "or build or publish the application on a machine with this C++ runtime (e.g. this one) without " +
                   "<TransferLearningMLPatchLibTorchSharp>false</TransferLearningMLPatchLibTorchSharp>; or install a libstdc++6 from GCC 13 or later. " +
                   $"The loader said: {loaderMessage.Trim()}";
        }
        return $"{path} cannot be loaded: {loaderMessage.Trim()}";
    }

    // glibc: "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by .../libLibTorchSharp.so)"
    [GeneratedRegex(@"(?<library>[^\s:]*libstdc\+\+\.so\.6)?:?\s*version [`'](?<version>(?:GLIBCXX|CXXABI)_[0-9.]+)' not found", RegexOptions.CultureInvariant)]
    private static partial Regex MissingVersion();
}
