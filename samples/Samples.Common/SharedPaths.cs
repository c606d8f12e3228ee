namespace TransferLearning.ML.Samples;

/// <summary>
/// Finds the project's read-only <c>shared/</c> folder (datasets and models): <c>TL_SHARED_DIR</c> when set, else a
/// <c>shared</c> folder beside the checkout, searched upwards from the working directory and the program's folder.
/// </summary>
public static class SharedPaths
{
    /// <summary>The shared folder, or null when there is none.</summary>
    public static string? Root { get; } = Find();

    /// <summary>A dataset folder under shared/datasets (or the relative path itself when shared/ is absent).</summary>
    public static string Dataset(string relative) => Root is null ? relative : Path.Combine(Root, "datasets", relative);

    /// <summary>A model file under shared/models, or null.</summary>
    public static string? Model(string fileName) =>
        Root is not null && File.Exists(Path.Combine(Root, "models", fileName)) ? Path.Combine(Root, "models", fileName) : null;

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("TL_SHARED_DIR") is { Length: > 0 } explicitRoot)
            return Directory.Exists(explicitRoot) ? Path.GetFullPath(explicitRoot) : null;
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared");
                if (Directory.Exists(Path.Combine(candidate, "datasets")) || Directory.Exists(Path.Combine(candidate, "models")))
                    return candidate;
            }
        return null;
    }
}
