using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Xml.Linq;

namespace TransferLearning.ML.Tests.Packaging;

/// <summary>
/// Packs the library, restores it from a local folder feed into a throw-away application, and runs TorchSharp and
/// ONNX Runtime through the package's public API in that application: what a user who adds the package gets.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(8);
    private readonly string _work = Directory.CreateTempSubdirectory("tl-package-").FullName;
    // a version of its own so that the global package cache never serves a stale copy
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public void Packed_library_runs_TorchSharp_and_OnnxRuntime_in_a_consumer_app()
    {
        string feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        string configuration = typeof(PackageConsumerTests).Assembly
            .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string project = Path.Combine(RepositoryPaths.Root, "src", "TransferLearning.ML", "TransferLearning.ML.csproj");

        var pack = ProcessRunner.Run("dotnet", $"pack \"{project}\" -c {configuration} --no-build -o \"{feed}\" -p:PackageVersion={_version}",
            RepositoryPaths.Root, Slow);
        Assert.True(pack.ExitCode == 0, pack.ToString());

        string nupkg = Path.Combine(feed, $"TransferLearning.ML.{_version}.nupkg");
        Assert.True(File.Exists(nupkg), $"{nupkg} not produced:\n{pack}");
        Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), "symbol package (.snupkg) not produced");
        AssertPackageContents(nupkg);

        string app = Directory.CreateDirectory(Path.Combine(_work, "consumer")).FullName;
        WriteConsumer(app, feed);

        var run = ProcessRunner.Run("dotnet", "run -c Release", app, Slow);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("torch=[-4.5,4,-6,6.25]", run.Output);
        Assert.Contains("onnx=[-4.5,4,-6,6.25]", run.Output);
        Assert.Contains("allocatorTuned=True", run.Output);

        // building again neither re-patches nor undoes the patch
        string library = Path.Combine(app, "bin", "Release", "net10.0", "linux-x64", "libLibTorchSharp.so");
        string before = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(library)));
        var rebuild = ProcessRunner.Run("dotnet", "build -c Release", app, Slow);
        Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
        Assert.Equal(before, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(library))));
        var rerun = ProcessRunner.Run("dotnet", "run -c Release --no-build", app, Slow);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
    }

    private static void AssertPackageContents(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", entries);
        Assert.Contains("lib/net10.0/TransferLearning.ML.dll", entries);
        Assert.Contains("lib/net10.0/TransferLearning.ML.xml", entries);
        Assert.Contains("buildTransitive/TransferLearning.ML.targets", entries);
        Assert.Contains("buildTransitive/LibTorchSharpCompatibilityPatch.cs", entries);

        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.Contains("Microsoft.ML.OnnxRuntime", dependencies);
        Assert.DoesNotContain("Grpc.Tools", dependencies);
    }

    private void WriteConsumer(string app, string feed)
    {
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
                <SelfContained>false</SelfContained>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TransferLearning.ML" Version="{_version}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using TransferLearning.ML.Diagnostics;

            var report = EnvironmentCheck.Run();
            string Join(IEnumerable<float> values) => string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
            Console.WriteLine($"torch=[{Join(report.TorchResult)}]");
            Console.WriteLine($"onnx=[{Join(report.OnnxRuntimeResult)}]");
            Console.WriteLine($"allocatorTuned={report.Allocator.Applied}");
            """);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        string cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "transferlearning.ml", _version);
        try { if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true); } catch (IOException) { }
    }
}
