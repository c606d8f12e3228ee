using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Tests.Runtime;

/// <summary>
/// When TorchSharp's native library does not load, the message gives the loader's real reason (a GLIBCXX version
/// the machine's libstdc++ lacks) and what to do, instead of blaming a missing libtorch package.
/// </summary>
public sealed class NativeLoadDiagnosisTests
{
    [Fact]
    public void A_missing_glibcxx_version_is_named_with_the_fix()
    {
        const string loader = "/app/libLibTorchSharp.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found " +
                              "(required by /app/libLibTorchSharp.so)";

        string message = NativeLoadDiagnosis.Explain("/app/libLibTorchSharp.so", loader);

        Assert.Contains("needs GLIBCXX_3.4.32 from /lib/x86_64-linux-gnu/libstdc++.so.6", message);
        Assert.Contains("TransferLearningMLPatchLibTorchSharp", message);
        Assert.Contains("build or publish the application on a machine with this C++ runtime", message);
        Assert.DoesNotContain("reference a libtorch backend", message);
    }

    [Fact]
    public void Another_loader_failure_is_passed_on_as_the_loader_said_it()
    {
        string message = NativeLoadDiagnosis.Explain("/app/libLibTorchSharp.so", "libtorch.so: cannot open shared object file");

        Assert.Equal("/app/libLibTorchSharp.so cannot be loaded: libtorch.so: cannot open shared object file", message);
    }

    [Fact]
    public void A_folder_without_the_native_library_says_which_package_to_reference()
    {
        string empty = Directory.CreateTempSubdirectory("tl-native-").FullName;
        try
        {
            string? message = NativeLoadDiagnosis.TorchSharpLoadFailure(empty);

            Assert.NotNull(message);
            Assert.Contains("libtorch-cpu-linux-x64", message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void The_unpatched_native_library_on_a_machine_without_glibcxx_3_4_32_is_diagnosed_as_such()
    {
        // TorchSharp 0.107's own libLibTorchSharp.so (before the build step's patch) beside the test's libtorch
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string unpatched = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string? runtime = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        if (!OperatingSystem.IsLinux() || !File.Exists(unpatched) || runtime is null) return; // nothing to reproduce with here
        bool runtimeHasVersion = File.ReadAllText(runtime, System.Text.Encoding.Latin1).Contains("GLIBCXX_3.4.32", StringComparison.Ordinal);
        string folder = Directory.CreateTempSubdirectory("tl-native-").FullName;
        try
        {
            foreach (string library in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.so*").Where(f => !f.EndsWith(ML.Runtime.NativeLoadDiagnosis.TorchSharpFileName, StringComparison.Ordinal)))
                File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(library)), library);
            File.CreateSymbolicLink(Path.Combine(folder, ML.Runtime.NativeLoadDiagnosis.TorchSharpFileName), unpatched);

            string? message = NativeLoadDiagnosis.TorchSharpLoadFailure(folder);

            if (runtimeHasVersion) Assert.Null(message); // a newer libstdc++ loads the unpatched library
            else
            {
                Assert.NotNull(message);
                Assert.Contains("needs GLIBCXX_3.4.32", message);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_test_hosts_own_native_library_loads_so_nothing_is_reported()
    {
        Assert.Null(NativeLoadDiagnosis.TorchSharpLoadFailure());
    }
}
