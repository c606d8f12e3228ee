namespace TransferLearning.ML.Tests.Runtime;

/// <summary>
/// The build targets shipped in the package's buildTransitive folder mark GLIBCXX versions that this machine's
/// libstdc++ lacks as weak in the copy of libLibTorchSharp.so in the output folder.
/// </summary>
public class LibTorchSharpPatchTests
{
    [Fact]
    public void Output_copy_of_LibTorchSharp_needs_only_versions_this_host_defines_or_weak_ones()
    {
        if (!OperatingSystem.IsLinux()) return; // the patch is Linux-only by design
        string library = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(library), $"{library} missing: the test project should copy TorchSharp's natives");
        string? hostLibStdCxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.FirstOrDefault(File.Exists);
        Assert.NotNull(hostLibStdCxx);

        var needed = PatchLibTorchSharpForOldLibStdCxx.ReadNeededVersions(File.ReadAllBytes(library))
            .Where(v => v.File.StartsWith("libstdc++", StringComparison.Ordinal)).ToList();
        var defined = PatchLibTorchSharpForOldLibStdCxx.ReadDefinedVersions(File.ReadAllBytes(hostLibStdCxx));

        Assert.NotEmpty(needed);
        var unmet = needed.Where(v => !v.Weak && !defined.Contains(v.Name)).Select(v => v.Name).ToList();
        Assert.Empty(unmet);
        // and nothing this host defines was touched
        Assert.All(needed.Where(v => defined.Contains(v.Name)), v => Assert.False(v.Weak, v.Name));
    }
}
