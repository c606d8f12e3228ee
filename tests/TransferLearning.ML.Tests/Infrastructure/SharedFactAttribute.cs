namespace TransferLearning.ML.Tests.Infrastructure;

/// <summary>
/// A fact that needs files from <c>../shared</c>: it is reported as skipped, with the missing path, when they are
/// not there (e.g. a checkout without the datasets), instead of failing.
/// </summary>
public sealed class SharedFactAttribute : FactAttribute
{
    /// <param name="relativePaths">Paths under <c>shared/</c> the test reads.</param>
    public SharedFactAttribute(params string[] relativePaths)
    {
        string? missing = SharedRequirement.FirstMissing(relativePaths);
        if (missing is not null) Skip = $"needs {missing} (set TL_SHARED_DIR or put shared/ beside the checkout)";
    }
}

/// <summary>The theory counterpart of <see cref="SharedFactAttribute"/>.</summary>
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    /// <param name="relativePaths">Paths under <c>shared/</c> the test reads.</param>
    public SharedTheoryAttribute(params string[] relativePaths)
    {
        string? missing = SharedRequirement.FirstMissing(relativePaths);
        if (missing is not null) Skip = $"needs {missing} (set TL_SHARED_DIR or put shared/ beside the checkout)";
    }
}

internal static class SharedRequirement
{
    public static string? FirstMissing(string[] relativePaths)
    {
        if (!Directory.Exists(RepositoryPaths.Shared)) return RepositoryPaths.Shared;
        foreach (string relative in relativePaths)
        {
            string full = Path.Combine(RepositoryPaths.Shared, relative);
            if (!File.Exists(full) && !Directory.Exists(full)) return full;
        }
        return null;
    }
}
