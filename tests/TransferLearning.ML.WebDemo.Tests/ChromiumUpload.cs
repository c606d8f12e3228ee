using System.Text.Json;

namespace TransferLearning.ML.WebDemo.Tests;

/// <summary>
/// Runs <c>samples/WebDemo/e2e/upload.mjs</c> (playwright-core driving the machine's Chromium): opens the demo, uploads
/// one file and reports what the page then shows.
/// </summary>
internal static class ChromiumUpload
{
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    public static string? NodePath { get; } = FindOnPath("node");

    private static string DriverFolder => Path.Combine(RepositoryPaths.Root, "samples", "WebDemo", "e2e");

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>What the page showed after the upload.</summary>
    public sealed record PageOutcome(string State, string? Label, IReadOnlyList<ShownProbability> Probabilities,
        string? GradCamStatus, string? Error, IReadOnlyList<string> ConsoleErrors);

    public sealed record ShownProbability(string ClassName, double Probability);

    public static PageOutcome Run(string url, string file, string screenshot)
    {
        EnsureDriverInstalled();
        var result = ProcessRunner.Run(NodePath!, $"upload.mjs \"{url}\" \"{file}\" \"{screenshot}\"", DriverFolder,
            TimeSpan.FromSeconds(90), new Dictionary<string, string?> { ["CHROMIUM_PATH"] = ChromiumPath });
        Assert.True(result.ExitCode == 0, $"upload.mjs failed: {result}");
        string json = result.Output.Split('\n').Last(line => line.StartsWith('{'));
        return JsonSerializer.Deserialize<PageOutcome>(json, s_json)
            ?? throw new InvalidOperationException($"upload.mjs printed no outcome: {result}");
    }

    // CI runs `npm ci` in .ci/install-browser; a developer's first local run does it here
    private static void EnsureDriverInstalled()
    {
        if (File.Exists(Path.Combine(DriverFolder, "node_modules", "playwright-core", "package.json"))) return;
        string npm = FindOnPath("npm") ?? throw new InvalidOperationException(
            $"playwright-core is not installed in {DriverFolder} and npm is not on PATH: run `npm ci` there (or .ci/install-browser).");
        var install = ProcessRunner.Run(npm, "ci --no-audit --no-fund", DriverFolder, TimeSpan.FromMinutes(3));
        Assert.True(install.ExitCode == 0, $"`npm ci` in {DriverFolder} failed (is the npm registry reachable?): {install}");
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
