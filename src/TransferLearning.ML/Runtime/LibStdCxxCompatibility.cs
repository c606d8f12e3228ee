namespace TransferLearning.ML.Runtime;

/// <summary>
/// The run-time half of the libstdc++ compatibility fix: when the library first loads (before it creates any tensor),
/// it checks TorchSharp's <c>libLibTorchSharp.so</c> in the application's folder against the libstdc++ of the machine
/// it runs on, and marks the version requirements that libstdc++ lacks weak, as the build step does on the build
/// machine. So an application built where libstdc++ is new (GLIBCXX_3.4.32 or later) still runs on Debian 12 or
/// Ubuntu 22.04. When the file cannot be rewritten (a read-only folder), nothing is changed and the load failure that
/// follows names libstdc++ and the fix (<see cref="NativeLoadDiagnosis"/>).
/// </summary>
/// <remarks>
/// Only versions the machine's libstdc++ does not define are touched; the one symbol that TorchSharp 0.107 binds to
/// such a version (<c>std::ios_base_library_init</c>) is never relocated, so no code changes. A patched file replaces
/// the original in one rename. Opt out with the AppContext switch <c>TransferLearning.ML.DisableLibStdCxxPatch</c>.
/// </remarks>
internal static class LibStdCxxCompatibility
{
    /// <summary>The AppContext switch that turns the run-time check off.</summary>
    public const string DisableSwitch = "TransferLearning.ML.DisableLibStdCxxPatch";

    private static readonly Lazy<LibStdCxxCheck> s_applied = new(() => Apply(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What the check found and did in this process, running it if it has not run yet.</summary>
    public static LibStdCxxCheck EnsureApplied() => s_applied.Value;

    /// <summary>
    /// Checks (and fixes where needed) every <c>libLibTorchSharp.so</c> in <paramref name="directories"/> (default: the
    /// application folder) against <paramref name="provided"/> (default: the versions the
    /// machine's libstdc++ defines).
    /// </summary>
    internal static LibStdCxxCheck Apply(IEnumerable<string>? directories = null, HashSet<string>? provided = null)
    {
        if (!OperatingSystem.IsLinux()) return new LibStdCxxCheck("not Linux: nothing to check", [], []);
        if (AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled)
            return new LibStdCxxCheck($"disabled by the AppContext switch {DisableSwitch}", [], []);

        var libraries = LibStdCxxVersions.FindLibraries(directories ?? NativeDirectories());
        if (libraries.Count == 0) return new LibStdCxxCheck($"no {LibStdCxxVersions.TorchSharpFileName} beside the application", [], []);

        string? host = null;
        if (provided is null)
        {
            host = LoadedLibStdCxx() ?? LibStdCxxVersions.FindHostLibStdCxx();
            if (host is null) return new LibStdCxxCheck("no libstdc++.so.6 found on this machine; nothing checked", [], []);
            try { provided = LibStdCxxVersions.ReadDefinedVersions(File.ReadAllBytes(host)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                return new LibStdCxxCheck($"could not read {host} ({e.Message}); nothing checked", [], []);
            }
        }

        var patched = new List<string>();
        var failures = new List<LibStdCxxFailure>();
        foreach (string library in libraries)
        {
            List<string> unmet;
            try
            {
                unmet = LibStdCxxVersions.UnmetNeeds(File.ReadAllBytes(library), provided).Select(n => n.Name).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                failures.Add(new LibStdCxxFailure(library, [], $"could not read it: {e.Message}"));
                continue;
            }
            if (unmet.Count == 0) continue;
            try
            {
                LibStdCxxVersions.MarkUnmetWeak(library, provided, inPlace: false);
                patched.Add($"{library}: {string.Join(", ", unmet)} marked weak");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add(new LibStdCxxFailure(library, unmet, $"could not rewrite it: {e.Message}"));
            }
        }

        string against = host is null ? "the given libstdc++ versions" : host;
        string description = failures.Count > 0
            ? $"{string.Join("; ", failures.Select(f => $"{f.Library} needs {string.Join(", ", f.Versions)}, {f.Reason}"))} (against {against})"
            : patched.Count > 0
                ? $"{string.Join("; ", patched)} (this machine's {against} lacks them)"
                : $"{libraries.Count} {LibStdCxxVersions.TorchSharpFileName} loadable with {against}";
        return new LibStdCxxCheck(description, patched, failures);
    }

    /// <summary>The failure recorded for <paramref name="library"/> in this process, if any.</summary>
    internal static LibStdCxxFailure? FailureFor(string library)
    {
        if (!s_applied.IsValueCreated) return null;
        string full = Path.GetFullPath(library);
        return s_applied.Value.Failures.FirstOrDefault(f => string.Equals(f.Library, full, StringComparison.Ordinal));
    }

    /// <summary>
    /// The application folder (with its runtimes/linux*/native sub-folders, where a build without a runtime identifier
    /// puts the natives). Never a folder outside it, such as the NuGet package cache, which other applications share.
    /// </summary>
    private static IEnumerable<string> NativeDirectories() => [AppContext.BaseDirectory];

    /// <summary>The libstdc++.so.6 this process has loaded (the .NET host is C++), which the loader will bind to.</summary>
    private static string? LoadedLibStdCxx()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                string path = line[slash..].Trim();
                if (Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal) && File.Exists(path)) return path;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}

/// <summary>What <see cref="LibStdCxxCompatibility"/> found and did.</summary>
/// <param name="Description">One line for a health check.</param>
/// <param name="Patched">The libraries whose requirements were marked weak, with the versions.</param>
/// <param name="Failures">The libraries that need a version this machine lacks and could not be fixed.</param>
internal sealed record LibStdCxxCheck(string Description, IReadOnlyList<string> Patched, IReadOnlyList<LibStdCxxFailure> Failures);

/// <summary>A libLibTorchSharp.so that needs libstdc++ versions this machine lacks and could not be fixed.</summary>
internal sealed record LibStdCxxFailure(string Library, IReadOnlyList<string> Versions, string Reason);
