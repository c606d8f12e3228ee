namespace TransferLearning.ML.Backbones;

/// <summary>Where backbone weights are cached and how they may be fetched.</summary>
public sealed record WeightStoreOptions
{
    /// <summary>
    /// The cache folder. Default: <c>TL_BACKBONE_CACHE</c> when set, else <c>$XDG_CACHE_HOME/transferlearning-ml/backbones</c>
    /// (<c>~/.cache/transferlearning-ml/backbones</c>; <c>%LOCALAPPDATA%\transferlearning-ml\backbones</c> on Windows).
    /// </summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>Whether a missing file may be downloaded. Default: true.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>
    /// Whether a file whose catalog entry has no verified SHA-256 may be downloaded and used; its hash is then
    /// written next to it (<c>.sha256</c>) and checked on every later use. Default: false.
    /// </summary>
    public bool AllowUnverifiedDownloads { get; init; }

    /// <summary>
    /// The folder under which files shipped by NuGet packages (<see cref="NuGetPackageSource"/>) are looked for: the
    /// application's output folder, where the package's build props copy them. Default: <see cref="AppContext.BaseDirectory"/>.
    /// </summary>
    public string PackageFileDirectory { get; init; } = AppContext.BaseDirectory;

    /// <summary>Time allowed for one download attempt (an interrupted one can be resumed). Default: 30 minutes.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The default cache folder (see <see cref="CacheDirectory"/>).</summary>
    public static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("TL_BACKBONE_CACHE") is { Length: > 0 } explicitDirectory)
            return explicitDirectory;
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "transferlearning-ml", "backbones");
    }
}
