using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Tests.Runtime;

/// <summary>
/// The load-time half of the libstdc++ fix: TorchSharp's own (unpatched) libLibTorchSharp.so, as an application built
/// on a machine with a newer libstdc++ would carry it, is checked against the libstdc++ of the machine it runs on and
/// made loadable there.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LibStdCxxCompatibilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tl-libstdcxx-").FullName;

    private static string? UnpatchedLibrary()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibStdCxxVersions.TorchSharpFileName);
        return OperatingSystem.IsLinux() && File.Exists(path) ? path : null;
    }

    private string CopyUnpatched(string unpatched)
    {
        string copy = Path.Combine(_folder, LibStdCxxVersions.TorchSharpFileName);
        File.Copy(unpatched, copy, overwrite: true);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return copy;
    }

    private static List<LibStdCxxVersions.VersionNeed> LibStdCxxNeeds(string path) =>
        LibStdCxxVersions.ReadNeededVersions(File.ReadAllBytes(path)).Where(n => n.File.StartsWith("libstdc++", StringComparison.Ordinal)).ToList();

    [Fact]
    public void Exactly_the_versions_the_machine_lacks_are_marked_weak_once_and_the_file_keeps_its_mode()
    {
        if (UnpatchedLibrary() is not { } unpatched) return; // TorchSharp's Linux package is not in the NuGet cache here
        string copy = CopyUnpatched(unpatched);
        var needs = LibStdCxxNeeds(copy);
        Assert.All(needs, n => Assert.False(n.Weak, n.Name)); // TorchSharp ships every requirement strong
        // a machine whose libstdc++ defines every version the library needs but the newest two
        var missing = needs.Select(n => n.Name).OrderBy(n => Version.Parse(n.Split('_')[1])).TakeLast(2).ToHashSet();
        var provided = needs.Select(n => n.Name).Where(n => !missing.Contains(n)).ToHashSet();
        var mode = File.GetUnixFileMode(copy);

        var check = LibStdCxxCompatibility.Apply([_folder], provided);

        Assert.Empty(check.Failures);
        string patched = Assert.Single(check.Patched);
        Assert.All(missing, m => Assert.Contains(m, patched));
        var after = LibStdCxxNeeds(copy);
        Assert.Equal(needs.Select(n => n.Name), after.Select(n => n.Name));
        Assert.All(after, n => Assert.Equal(missing.Contains(n.Name), n.Weak));
        Assert.Equal(mode, File.GetUnixFileMode(copy));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
        // every other byte is as TorchSharp shipped it
        byte[] original = File.ReadAllBytes(unpatched), now = File.ReadAllBytes(copy);
        Assert.Equal(original.Length, now.Length);
        Assert.Equal(missing.Count, Enumerable.Range(0, original.Length).Count(i => original[i] != now[i]));

        var again = LibStdCxxCompatibility.Apply([_folder], provided);
        Assert.Empty(again.Patched);
        Assert.Equal(now, File.ReadAllBytes(copy));
    }

    [Fact]
    public void The_unpatched_library_loads_on_this_machine_after_the_load_time_check()
    {
        if (UnpatchedLibrary() is not { } unpatched) return;
        string copy = CopyUnpatched(unpatched);
        // TorchSharp's native library needs libtorch beside it: link the test host's copies
        foreach (string library in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.so*").Where(f => Path.GetFileName(f) != LibStdCxxVersions.TorchSharpFileName))
            File.CreateSymbolicLink(Path.Combine(_folder, Path.GetFileName(library)), library);

        var check = LibStdCxxCompatibility.Apply([_folder]);

        Assert.Empty(check.Failures);
        Assert.Null(NativeLoadDiagnosis.TorchSharpLoadFailure(_folder));
        string? host = LibStdCxxVersions.FindHostLibStdCxx();
        Assert.NotNull(host);
        bool hostHasEverything = LibStdCxxNeeds(unpatched).All(n => LibStdCxxVersions.ReadDefinedVersions(File.ReadAllBytes(host)).Contains(n.Name));
        // on Debian 12 / Ubuntu 22.04 the check had to change the file; on a newer libstdc++ it must leave it alone
        Assert.Equal(hostHasEverything, check.Patched.Count == 0);
        Assert.Equal(hostHasEverything, File.ReadAllBytes(copy).AsSpan().SequenceEqual(File.ReadAllBytes(unpatched)));
    }

    [Fact]
    public void A_library_the_check_could_not_rewrite_is_explained_with_libstdcxx_and_the_fixes()
    {
        const string path = "/opt/app/libLibTorchSharp.so";
        var failure = new LibStdCxxFailure(path, ["GLIBCXX_3.4.32"], "could not rewrite it: Access to the path is denied");

        string message = NativeLoadDiagnosis.Explain(path,
            "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /opt/app/libLibTorchSharp.so)", failure);

        Assert.Contains("needs GLIBCXX_3.4.32 from /lib/x86_64-linux-gnu/libstdc++.so.6", message);
        Assert.Contains("libstdc++", message);
        Assert.Contains("could not rewrite it: Access to the path is denied", message);
        Assert.Contains("run the application once as a user who may write to its folder", message);
        Assert.Contains("libstdc++6 from GCC 13 or later", message);
    }

    [Fact]
    public void The_test_hosts_own_library_needs_nothing_this_machine_lacks()
    {
        // the module initializer ran the check on the application folder when the library loaded
        var check = LibStdCxxCompatibility.EnsureApplied();

        Assert.Empty(check.Failures);
        if (OperatingSystem.IsLinux()) Assert.Contains(LibStdCxxVersions.TorchSharpFileName, check.Description);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
