namespace TransferLearning.ML.Tests.Infrastructure;

/// <summary>Where the repository and the read-only <c>shared/</c> folder beside it are.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding TransferLearning.ML.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The <c>shared/</c> folder (datasets and models): <c>TL_SHARED_DIR</c> when set, else <c>../shared</c> beside the
    /// checkout.
    /// </summary>
    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("TL_SHARED_DIR") is { Length: > 0 } fromEnvironment
            ? Path.GetFullPath(fromEnvironment)
            : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string SharedModel(string fileName) => Path.Combine(Shared, "models", fileName);

    public static string SharedArchitecture(string name) => Path.Combine(Shared, "models", "architectures", name + ".onnx");

    public static string SharedDataset(params string[] parts) => Path.Combine([Shared, "datasets", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"TransferLearning.ML.sln not found above {AppContext.BaseDirectory}.");
    }
}
