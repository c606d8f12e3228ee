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

    /// <summary>
    /// README.md's install steps, run as written (only the feed, application and tool folders and the version are
    /// the test's own): pack both packages into a folder feed, create a console app that gets the package from that
    /// feed only, install the tool with --tool-path and run <c>tl --version</c> and <c>tl doctor</c>; then the app
    /// trains two epochs on a few real images, and a test project that references the package the same way runs.
    /// </summary>
    [SharedFact("models/mobilenetv2-imagenet.onnx", "datasets/pneumoniamnist/train/normal", "datasets/pneumoniamnist/train/pneumonia")]
    public void Readme_install_steps_give_an_app_a_test_project_and_the_tool_from_a_folder_feed()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        string feed = Path.Combine(_work, "feed"), app = Path.Combine(_work, "MyApp"), tools = Path.Combine(_work, "tools");
        string steps = ReadmeInstallSteps();
        string[] lines = steps.Split('\n');
        int variables = Array.FindIndex(lines, l => l.StartsWith("feed=", StringComparison.Ordinal));
        Assert.True(variables >= 0, "README.md's install steps start with a line 'feed=...; app=...; tools=...; version=...'");
        Assert.Contains("version=0.2.0", lines[variables]);
        lines[variables] = $"feed='{feed}'; app='{app}'; tools='{tools}'; version='{_version}'";
        string script = Path.Combine(_work, "install.sh");
        File.WriteAllText(script, "set -euo pipefail\nset -x\n" + string.Join('\n', lines) + "\n");

        // the packages get the test's own version, so that no cached copy of a real 0.2.0 is ever used or touched
        var install = ProcessRunner.Run("bash", $"\"{script}\"", RepositoryPaths.Root, Slow,
            new Dictionary<string, string?> { ["PackageVersion"] = _version });
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Matches(@"(?m)^0\.2\.0\+[0-9a-f]{40}$", install.Output);           // tl --version
        Assert.Contains("agreement    max |difference| = 0", install.Output);     // tl doctor: both engines ran and agreed

        // the tool: one small package pointing to one package per RID, each without natives nothing loads
        string[] rids = ["linux-x64", "win-x64", "osx-arm64"];
        foreach (string rid in rids)
        {
            string ridPackage = Path.Combine(feed, $"TransferLearning.ML.Cli.{rid}.{_version}.nupkg");
            Assert.True(File.Exists(ridPackage), $"{ridPackage} missing");
            using var zip = ZipFile.OpenRead(ridPackage);
            var names = zip.Entries.Select(e => e.Name).ToList();
            Assert.Contains(names, n => n.Contains("torch_cpu", StringComparison.Ordinal));
            Assert.DoesNotContain(names, n => n.Contains("torch_python", StringComparison.Ordinal) || n.Contains("test.", StringComparison.Ordinal)
                                              || n.EndsWith(".dbg", StringComparison.Ordinal) || n.EndsWith(".dwarf", StringComparison.Ordinal));
            Assert.Single(zip.Entries, e => e.Name == "ResNet18.onnx");
            Assert.Contains("README.md", zip.Entries.Select(e => e.FullName));
        }
        string pointer = Path.Combine(feed, $"TransferLearning.ML.Cli.{_version}.nupkg");
        Assert.True(new FileInfo(pointer).Length < 100_000, "the tool's main package should only point to the RID-specific ones");
        Assert.False(File.Exists(Path.Combine(tools, ".store", "transferlearning.ml.cli", _version, "transferlearning.ml.cli.win-x64")));

        // the app: the package restored from the feed (no ProjectReference), two epochs of fine-tuning on real images
        Assert.DoesNotContain("ProjectReference", File.ReadAllText(Path.Combine(app, "MyApp.csproj")));
        string images = CopyFewImages(perClass: 6);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using TransferLearning.ML;
            using TransferLearning.ML.Backbones;
            using TransferLearning.ML.Data;

            var result = TransferLearner.For(Backbone.FromOnnx(args[0]))
                .WithImages(ImageDataset.FromFolder(args[1]))
                .Split(validation: 0.25, test: 0, seed: 7)
                .FineTune(unfreezeLastBlocks: 1, epochs: 2)
                .Fit();
            result.Model.Save(args[2]);
            Console.WriteLine($"epochs={result.History.Count} best={result.BestEpoch}");
            Console.WriteLine($"validationAccuracy={result.ValidationMetrics!.Accuracy:F3}");
            """);
        string model = Path.Combine(_work, "model.tlmodel");
        var train = ProcessRunner.Run("dotnet", $"run -c Release -- \"{RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx")}\" \"{images}\" \"{model}\"", app, Slow);
        Assert.True(train.ExitCode == 0, train.ToString());
        var epochs = System.Text.RegularExpressions.Regex.Match(train.Output, @"epochs=(\d+)");
        Assert.True(epochs.Success, train.ToString());
        Assert.True(int.Parse(epochs.Groups[1].Value) >= 2, train.ToString());
        Assert.Matches(@"validationAccuracy=[01]\.\d{3}", train.Output);
        Assert.True(new FileInfo(model).Length > 1_000_000, "the saved model should carry the backbone's weights");
        string output = Path.Combine(app, "bin", "Release", "net10.0");
        Assert.Empty(Directory.GetFiles(output, "libtorch_python*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(output, "*.dbg", SearchOption.AllDirectories));

        // a test project, referencing the package from the same feed
        string tests = Directory.CreateDirectory(Path.Combine(_work, "MyApp.Tests")).FullName;
        File.Copy(Path.Combine(app, "nuget.config"), Path.Combine(tests, "nuget.config"));
        File.WriteAllText(Path.Combine(tests, "MyApp.Tests.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TransferLearning.ML" Version="{_version}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" />
                <PackageReference Include="xunit" Version="2.9.3" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
              </ItemGroup>
            </Project>
            """);
        // ML.NET's own image transforms next to the library in the consumer's process (issue 17, item 7): with the
        // package's SkiaSharp they decode the image to the same pixels as the library
        string image = Directory.EnumerateFiles(Path.Combine(images, "pneumonia")).Order(StringComparer.Ordinal).First();
        File.WriteAllText(Path.Combine(tests, "EngineTests.cs"), $$"""
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Microsoft.ML.Transforms.Image;
            using TransferLearning.ML.Data;
            using TransferLearning.ML.Diagnostics;
            using Xunit;

            public class EngineTests
            {
                private const string Image = @"{{image}}";

                [Fact]
                public void TorchSharp_and_OnnxRuntime_load_and_agree_in_a_test_host()
                {
                    var report = EnvironmentCheck.Run();
                    Assert.Equal(report.TorchResult, report.OnnxRuntimeResult);
                    Assert.Equal(-4.5f, report.TorchResult[0]);
                }

                [Fact]
                public void MLNet_image_transforms_give_the_librarys_pixels()
                {
                    var ml = new MLContext(seed: 1);
                    var data = ml.Data.LoadFromEnumerable(new[] { new Row { Path = Image } });
                    var pipeline = ml.Transforms.LoadImages("Image", null, nameof(Row.Path))
                        .Append(ml.Transforms.ResizeImages("Image", 28, 28))
                        .Append(ml.Transforms.ExtractPixels("Pixels", "Image", interleavePixelColors: false, scaleImage: 1f / 255));
                    var pixels = ml.Data.CreateEnumerable<Pixels>(pipeline.Fit(data).Transform(data), reuseRowObject: false).Single().Values;

                    var library = (ImagePreprocessing.ImageNet224 with { Width = 28, Height = 28, Normalization = Normalization.ZeroToOne })
                        .ToInput(ImageSource.FromFile(Image));
                    Assert.Equal(library.Length, pixels.Length);
                    for (int i = 0; i < library.Length; i++) Assert.Equal(library[i], pixels[i], 1e-6f);
                    Assert.Contains(library, v => v != library[0]);
                }

                private sealed class Row { public string Path { get; set; } = ""; }

                private sealed class Pixels { [ColumnName("Pixels")] public float[] Values { get; set; } = []; }
            }
            """);
        var test = ProcessRunner.Run("dotnet", "test -c Release", tests, Slow);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Matches(@"Passed!.*Failed:\s+0, Passed:\s+2", test.Output);
        Console.WriteLine($"install steps, training and test project: {started.Elapsed}");
    }

    private static string ReadmeInstallSteps()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md")).Replace("\r\n", "\n");
        const string begin = "<!-- install-steps:begin -->", end = "<!-- install-steps:end -->";
        int from = readme.IndexOf(begin, StringComparison.Ordinal), to = readme.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"README.md has no {begin} ... {end} block");
        string block = readme[(from + begin.Length)..to];
        int fence = block.IndexOf("```bash\n", StringComparison.Ordinal);
        int close = block.LastIndexOf("```", StringComparison.Ordinal);
        Assert.True(fence >= 0 && close > fence, "the install steps are one ```bash block");
        return block[(fence + "```bash\n".Length)..close];
    }

    private string CopyFewImages(int perClass)
    {
        string root = Directory.CreateDirectory(Path.Combine(_work, "images")).FullName;
        foreach (string label in new[] { "normal", "pneumonia" })
        {
            string target = Directory.CreateDirectory(Path.Combine(root, label)).FullName;
            foreach (string file in Directory.EnumerateFiles(RepositoryPaths.SharedDataset("pneumoniamnist", "train", label)).Order(StringComparer.Ordinal).Take(perClass))
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return root;
    }

    private static string GitHead()
    {
        var head = ProcessRunner.Run("git", "rev-parse HEAD", RepositoryPaths.Root, TimeSpan.FromSeconds(30));
        Assert.True(head.ExitCode == 0, head.ToString());
        return head.Output.Trim();
    }

    private static void AssertPackageContents(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", entries);
        Assert.Contains("CHANGELOG.md", entries);
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
        Assert.Contains("CHANGELOG.md", metadata.Element(ns + "releaseNotes")?.Value);
        // SourceLink: the commit the package was built from (and the URL of the git remote 'origin', when there is one)
        var repository = metadata.Element(ns + "repository");
        Assert.NotNull(repository);
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal(GitHead(), repository.Attribute("commit")?.Value);
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
        foreach (string id in new[] { "transferlearning.ml.cli", "transferlearning.ml.cli.linux-x64" })
        {
            string tool = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(cached)!)!, id, _version);
            try { if (Directory.Exists(tool)) Directory.Delete(tool, recursive: true); } catch (IOException) { }
        }
    }
}
