using System.CommandLine;
using System.Globalization;
using TransferLearning.ML.Backbones;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl backbones</c>: the catalog — size, SHA-256, source — and what is cached locally.</summary>
internal static class BackbonesCommand
{
    public static Command Create()
    {
        var fullSha = new Option<bool>("--full-sha") { Description = "Show the whole SHA-256 of each file (default: its first 12 hex digits)." };
        var command = new Command("backbones", "List the backbone catalog (size, SHA-256, source) and which weights are cached locally.")
        {
            fullSha,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(_ =>
        {
            bool full = parse.GetValue(fullSha);
            var store = new WeightStore();
            var rows = new List<string[]> { new[] { "name", "input", "features", "size", "sha256", "source", "cached" } };
            var present = new List<(string Name, string Path)>();
            foreach (var b in BackboneCatalog.All)
            {
                string? path = store.Locate(b);
                if (path is not null) present.Add((b.Name, path));
                rows.Add([
                    b.Name, $"{b.InputSize}x{b.InputSize}", b.FeatureWidth.ToString(CultureInfo.InvariantCulture), Size(b.SizeBytes),
                    b.Sha256 is null ? "-" : full ? b.Sha256 : b.Sha256[..12], Source(b),
                    path is null ? "no" : store.IsVerified(b) ? "yes, verified" : "yes",
                ]);
            }
            // plain aligned columns: one line per backbone whatever the terminal's width, and greppable when redirected
            int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
                Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
            Console.WriteLine();
            foreach (var (name, path) in present) Console.WriteLine($"cached: {name} at {path}");
            Console.WriteLine($"zoo:   ONNX Model Zoo files download from {ZooBase}<path>");
            Console.WriteLine($"cache: {store.Options.CacheDirectory}");
            Console.WriteLine("A file put in the cache by hand is checked against the SHA-256 above on first use.");
            Console.WriteLine("Any other ONNX CNN works too: pass --weights model.onnx.");
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }

    private const string ZooBase = "https://github.com/onnx/models/raw/main/validated/vision/classification/";

    private static string Size(long? bytes) => bytes is long b
        ? (b / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " MB"
        : "-";

    private static string Source(BackboneDescriptor b) => b.Source switch
    {
        DownloadSource d when d.Url.ToString().StartsWith(ZooBase, StringComparison.Ordinal) => "zoo: " + d.Url.ToString()[ZooBase.Length..],
        DownloadSource d => d.Url.ToString(),
        NuGetPackageSource p => $"NuGet {p.PackageId} {p.Version}",
        _ => "export it yourself (docs/onnx-backbones.md)",
    } + (b.Unsupported is null ? "" : " (not usable as is)");
}
